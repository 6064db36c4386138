from __future__ import annotations

import asyncio
import logging
import signal
import sys

from pydantic import ValidationError

from apps.auth_relay.setup.logs import configure_logging
from apps.auth_relay.setup.runner import RelayApp
from apps.auth_relay.setup.settings import RelaySettings, describe_error, load_settings

logger = logging.getLogger("apps.auth_relay.main")


async def serve(settings: RelaySettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await RelayApp(settings=settings).run(stop)


def main() -> int:
    try:
        settings = load_settings()
    except ValidationError as exc:
        print(f"auth-relay: invalid configuration: {describe_error(exc)}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        asyncio.run(serve(settings))
    except Exception:
        logger.exception("relay stopped on an unexpected error")
        return 1
    logger.info("relay exited")
    return 0


if __name__ == "__main__":
    sys.exit(main())
