"""docs/relay.md names exactly the variables the relay reads (apps/auth_relay/setup/settings.py)."""

from __future__ import annotations

import re
from pathlib import Path

from apps.auth_relay.setup.settings import RelaySettings, variable_name

ROOT = Path(__file__).resolve().parents[2]


def _variables_read() -> set[str]:
    return {
        name for field in RelaySettings.model_fields for name in variable_name(field).split(" or ")
    }


def test_every_variable_is_read_when_the_relay_docs_name_it() -> None:
    docs = (ROOT / "docs" / "relay.md").read_text()
    documented = set(re.findall(r"`((?:RELAY|AUTH)_[A-Z0-9_]+)`", docs))

    assert "RELAY_MAX_DELIVERIES" in documented
    assert documented <= _variables_read()
    assert _variables_read() <= documented
