"""Every setting the service reads is in docs/api.md's configuration table, under every name
it is read by."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices

from apps.auth.setup.settings import Settings

ROOT = Path(__file__).resolve().parents[4]
PROVIDER_FIELD = re.compile(r"^(kakao|google|naver)_(.+)$")


def _table_names() -> set[str]:
    table = (ROOT / "docs/api.md").read_text().split("## Configuration", 1)[1]
    names: set[str] = set()
    for row in table.splitlines():
        if not row.startswith("| `"):
            continue
        first = row.split("|")[1]
        for name in re.findall(r"`([A-Z0-9_{},]+)`", first):
            group = re.fullmatch(r"AUTH_\{([A-Z,]+)\}_(\w+)", name)
            if group:
                names |= {f"AUTH_{p}_{group[2]}" for p in group[1].split(",")}
            else:
                names.add(name)
    return names


def _read_as(field: str) -> list[str]:
    info = Settings.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [f"{Settings.model_config.get('env_prefix', '')}{field}".upper()]


def test_every_setting_is_in_the_configuration_table_when_docs_are_read() -> None:
    documented = _table_names()
    missing = {
        name
        for field in Settings.model_fields
        for name in _read_as(field)
        if name not in documented
    }
    assert missing == set()


def test_the_table_names_no_setting_the_service_does_not_read() -> None:
    read = {name for field in Settings.model_fields for name in _read_as(field)}
    assert _table_names() - read == set()
