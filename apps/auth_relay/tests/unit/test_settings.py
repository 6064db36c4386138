from __future__ import annotations

import pytest
from pydantic import ValidationError

from apps.auth_relay.setup import main as entrypoint
from apps.auth_relay.setup.settings import RelaySettings, describe_error

_VARIABLES = (
    "AUTH_REDIS_URL",
    "RELAY_REDIS_URL",
    "AUTH_OUTBOX_STREAM",
    "RELAY_AMQP_URL",
    "RELAY_BATCH_SIZE",
    "RELAY_DEAD_LETTER_STREAM",
    "RELAY_CONSUMER",
    "HOSTNAME",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _error(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as failure:
        RelaySettings()
    return describe_error(failure.value)


def test_contract_defaults_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTNAME", "auth-relay-7f9c")

    settings = RelaySettings()

    assert settings.outbox_stream == "auth:outbox:revocations"
    assert settings.dead_letter_stream == "auth:outbox:revocations:dead"
    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:5672/"
    assert (settings.group, settings.exchange, settings.http_port) == (
        "auth-relay",
        "blacklist.events",
        9100,
    )
    assert settings.consumer.startswith("auth-relay-7f9c-")


def test_relay_redis_url_wins_when_both_urls_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_REDIS_URL", "redis://auth:6379/0")
    assert RelaySettings().redis_url == "redis://auth:6379/0"

    monkeypatch.setenv("RELAY_REDIS_URL", "redis://relay:6379/1")
    assert RelaySettings().redis_url == "redis://relay:6379/1"


def test_error_names_the_variable_when_a_number_is_out_of_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = _error(monkeypatch, RELAY_BATCH_SIZE="0")

    assert message.startswith("RELAY_BATCH_SIZE: ") and "\n" not in message


def test_error_hides_the_url_when_a_url_is_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    message = _error(monkeypatch, RELAY_AMQP_URL="http://user:s3cret@broker/")

    assert message.startswith("RELAY_AMQP_URL: ") and "s3cret" not in message


def test_error_names_both_streams_when_dead_letter_equals_outbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = _error(monkeypatch, RELAY_DEAD_LETTER_STREAM="auth:outbox:revocations")

    assert "RELAY_DEAD_LETTER_STREAM" in message and "AUTH_OUTBOX_STREAM" in message


def test_exit_code_2_with_one_line_when_configuration_is_invalid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELAY_BATCH_SIZE", "many")

    code = entrypoint.main()

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "RELAY_BATCH_SIZE" in err
