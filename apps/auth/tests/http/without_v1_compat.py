"""Builds and exercises the app with `apps.auth.v1_compat` unimportable, as if deleted.

Run as a script by test_without_v1_compat.py: `python -m ... '<settings as JSON>'`. Prints one
JSON object of what it saw.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import json
import sys
from typing import Any

PACKAGE = "apps.auth.v1_compat"


class Deleted(importlib.abc.MetaPathFinder):
    """Refuses the package and everything in it, as a missing folder would."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname == PACKAGE or fullname.startswith(f"{PACKAGE}."):
            self.refused.append(fullname)
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


async def exercise(values: dict[str, Any]) -> dict[str, Any]:
    import httpx

    from apps.auth.domain.errors import ConfigurationError
    from apps.auth.setup.app_factory import create_app
    from apps.auth.setup.settings import Settings
    from apps.auth.tests.support import API, BASE_URL, bearer, dev_login, refresh_header

    seen: dict[str, Any] = {}
    app = create_app(Settings(**values))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            seen["health"] = (await client.get(f"{API}/health")).status_code
            logged = await dev_login(client)
            seen["verify"] = (
                await client.get(f"{API}/verify", headers=bearer(logged.access))
            ).status_code
            client.cookies.clear()
            refreshed = await client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
            seen["refresh"] = refreshed.status_code
            seen["refresh_cookies"] = sorted(refreshed.cookies.keys())
            again = await client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
            seen["spent_refresh"] = [again.status_code, again.json().get("code")]
    finally:
        await app.state.runtime.aclose()
    try:
        Settings(**{**values, "legacy_sessions": True, "jwt_algorithm": "HS256"})
    except ConfigurationError as refused:
        seen["profile_on"] = str(refused)
    seen["loaded"] = sorted(name for name in sys.modules if name.startswith(PACKAGE))
    return seen


def main() -> None:
    deleted = Deleted()
    sys.meta_path.insert(0, deleted)
    seen = asyncio.run(exercise(json.loads(sys.argv[1])))
    seen["refused"] = deleted.refused
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
