"""Start-up checks of the settings that widen what is accepted while keys change."""

from __future__ import annotations

import json
import os

import pytest

from apps.auth.domain.errors import ConfigurationError
from apps.auth.setup.key_settings import key_material
from apps.auth.setup.services import signing_keys
from apps.auth.setup.settings import Settings, read_settings
from apps.auth.tests.security.attack import new_ec_key, private_pem, public_pem
from apps.auth.tests.unit.test_settings import DEPLOYED


def _problems(**values: object) -> list[str]:
    with pytest.raises(ConfigurationError) as refused:
        read_settings(**values)
    return str(refused.value).splitlines()


def test_standby_key_needs_its_kid_and_the_kid_its_key():
    for half in ({"jwt_standby_public_key": "pem"}, {"jwt_standby_key_id": "es-2"}):
        assert _problems(**DEPLOYED, **half) == [
            "AUTH_JWT_STANDBY_PUBLIC_KEY and AUTH_JWT_STANDBY_KEY_ID: set both, or neither"
        ]


def test_accepting_hs256_needs_a_strong_secret_when_deployed():
    assert _problems(**DEPLOYED, jwt_accept_hs256=True) == [
        "AUTH_JWT_SECRET is required with AUTH_JWT_ACCEPT_HS256=true"
    ]
    assert _problems(**DEPLOYED, jwt_accept_hs256=True, jwt_secret="changeme" * 8) == [
        "AUTH_JWT_SECRET must be at least 32 random bytes to be accepted with "
        "AUTH_JWT_ACCEPT_HS256=true"
    ]
    Settings(**DEPLOYED, jwt_accept_hs256=True, jwt_secret=os.urandom(32).hex())


def test_the_es256_key_may_not_take_the_secrets_kid():
    assert _problems(**{**DEPLOYED, "jwt_key_id": "hs-1"}) == [
        "AUTH_JWT_KEY_ID: 'hs-1' names the HS256 secret"
    ]


def test_accepted_issuers_and_audiences_read_as_comma_separated_lists(monkeypatch):
    monkeypatch.setenv("AUTH_JWT_ACCEPT_ISSUERS", "api.dev.growbin.app/api/v1/auth, other")
    monkeypatch.setenv("AUTH_JWT_ACCEPT_AUDIENCES", "api")
    settings = Settings(environment="local")
    assert settings.jwt_accept_issuers == ["api.dev.growbin.app/api/v1/auth", "other"]
    assert settings.jwt_accept_audiences == ["api"]


def test_every_key_setting_reaches_the_key_set():
    active, standby, old = new_ec_key(), new_ec_key(), new_ec_key()
    settings = Settings(
        environment="test",
        jwt_private_key=private_pem(active),
        jwt_key_id="es-1",
        jwt_secret=os.urandom(32).hex(),
        jwt_accept_hs256=True,
        jwt_standby_public_key=public_pem(standby),
        jwt_standby_key_id="es-2",
        jwt_previous_public_keys=json.dumps({"es-0": public_pem(old)}),
    )
    assert key_material(settings).standby == ("es-2", public_pem(standby))
    keys = signing_keys(settings)
    assert (keys.algorithm, keys.signing_kid) == ("ES256", "es-1")
    assert [k["kid"] for k in keys.public_jwks] == ["es-1", "es-2", "es-0"]
    assert set(keys.verification_keys) == {"es-1", "es-2", "es-0", "hs-1"}
