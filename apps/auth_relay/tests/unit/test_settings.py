from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from apps.auth_relay.setup import main as entrypoint
from apps.auth_relay.setup.settings import RelaySettings, describe_error, variable_name

ROOT = Path(__file__).resolve().parents[4]
MANIFESTS = ROOT / "workloads" / "domains" / "auth-relay"

_VARIABLES = (
    "AUTH_REDIS_URL",
    "RELAY_REDIS_URL",
    "AUTH_OUTBOX_STREAM",
    "RELAY_AMQP_URL",
    "RELAY_BATCH_SIZE",
    "RELAY_DEAD_LETTER_STREAM",
    "RELAY_CONSUMER",
    "RELAY_MAX_DELIVERIES",
    "AUTH_REDIS_SENTINELS",
    "AUTH_REDIS_SENTINEL_MASTER",
    "RELAY_REDIS_SENTINELS",
    "RELAY_REDIS_SENTINEL_MASTER",
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


def _variables_read() -> set[str]:
    return {
        name for field in RelaySettings.model_fields for name in variable_name(field).split(" or ")
    }


def _variables_set_by_manifests() -> set[str]:
    names: set[str] = set()
    for path in MANIFESTS.rglob("*"):
        if path.suffix == ".env":
            names |= set(re.findall(r"^([A-Z][A-Z0-9_]*)=", path.read_text(), re.MULTILINE))
        elif path.suffix == ".yaml":
            text = path.read_text()
            names |= set(re.findall(r"secretKey: ([A-Z][A-Z0-9_]*)", text))
            names |= set(re.findall(r"- name: ((?:RELAY|AUTH)_[A-Z0-9_]+)", text))
            # ExternalSecret templates: `KEY: "value"` lines under target.template.data
            names |= set(re.findall(r"^\s+((?:RELAY|AUTH)_[A-Z0-9_]+):", text, re.MULTILINE))
    return names


def test_every_variable_is_read_when_the_manifests_set_it() -> None:
    manifest_names = _variables_set_by_manifests()

    assert {"AUTH_REDIS_URL", "RELAY_AMQP_URL", "RELAY_BATCH_SIZE"} <= manifest_names
    assert manifest_names <= _variables_read()


def test_prefixed_variable_read_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAY_BATCH_SIZE", "42")
    monkeypatch.setenv("RELAY_MAX_DELIVERIES", "9")

    settings = RelaySettings()

    assert (settings.batch_size, settings.max_deliveries) == (42, 9)


def test_sentinels_read_from_the_api_variables_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_REDIS_SENTINELS", "rfs-a:26379, rfs-b:26380")
    monkeypatch.setenv("AUTH_REDIS_SENTINEL_MASTER", "mymaster")

    settings = RelaySettings()

    assert settings.redis_sentinels == ["rfs-a:26379", "rfs-b:26380"]
    assert settings.redis_sentinel_master == "mymaster"


def test_error_names_the_variable_when_a_sentinel_is_not_host_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = _error(
        monkeypatch, AUTH_REDIS_SENTINELS="rfs-a", AUTH_REDIS_SENTINEL_MASTER="mymaster"
    )

    assert message.startswith("RELAY_REDIS_SENTINELS or AUTH_REDIS_SENTINELS: ")


def test_error_when_sentinels_are_set_without_a_master_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = _error(monkeypatch, AUTH_REDIS_SENTINELS="rfs-a:26379")

    assert "AUTH_REDIS_SENTINEL_MASTER" in message
