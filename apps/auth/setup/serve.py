"""Process entry point: `python -m apps.auth.setup.serve [--host HOST] [--port PORT]`.

The one way the service is started (`make run`, the image, the bench, the live-server tests):
uvicorn with bounded request heads, no proxy-header rewriting (`AUTH_TRUSTED_PROXY_HOPS` alone
decides which address is the client's), no access log (the app writes its own), and the
process-global garbage-collector tuning applied once the app is built.
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import socket
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import uvicorn
from uvicorn.importer import import_from_string

from apps.auth.setup.server_protocol import REQUEST_TIMEOUT_SECONDS, bounded_protocol

DEFAULT_APP = "apps.auth.setup.main:app"
# Requests allocate thousands of short-lived objects; the default (700) runs a young-generation
# collection several times per request. The heap built at start-up is frozen out of the
# collector's sight, so a larger young generation costs a few MB, not pause time.
GC_YOUNG_THRESHOLD = 20_000


def server_config(app: Any, **options: Any) -> uvicorn.Config:
    """uvicorn settings every start of the service shares; `options` add to or override them."""
    state = getattr(app, "state", None)
    request_timeout = getattr(state, "request_timeout_seconds", REQUEST_TIMEOUT_SECONDS)
    settings: dict[str, Any] = {
        "http": bounded_protocol(request_timeout),
        "proxy_headers": False,
        "access_log": False,
        "server_header": False,
        # Logging is configured by the app (JSON lines); uvicorn's own config would replace it.
        "log_config": None,
        **options,
    }
    return uvicorn.Config(app, **settings)


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m apps.auth.setup.serve")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--app", default=DEFAULT_APP, help="ASGI app as module:attribute")
    parser.add_argument(
        "--announce", action="store_true", help="print the URL once the port is bound (make run)"
    )
    return parser.parse_args(argv)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, or a one-line refusal and exit code 2 when it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            _refuse(
                f"port {port} on {host} is already in use; pick another one, "
                f"e.g. `make run PORT={port + 1}` (or --port / PORT=)"
            )
        _refuse(f"cannot listen on {host}:{port}: {error.strerror}")
    sock.set_inheritable(True)
    return sock


def _refuse(message: str) -> NoReturn:
    print(f"auth-api: {message}", file=sys.stderr)
    raise SystemExit(2)


def prepare(argv: Sequence[str] | None = None) -> tuple[uvicorn.Server, socket.socket]:
    """Everything short of serving: socket bound, app built, process tuned."""
    args = parse_args(argv)
    sock = listen(args.host, args.port)
    app = import_from_string(args.app)
    tune_gc()
    port = sock.getsockname()[1]
    config = server_config(app, host=args.host, port=port)
    if args.announce:
        print(f"auth-api: listening on {url_of(args.host, port)}", flush=True)
    return uvicorn.Server(config), sock


def url_of(host: str, port: int) -> str:
    """The account page's address; the API docs are under /api/v1/auth/docs."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def main(argv: Sequence[str] | None = None) -> int:
    server, sock = prepare(argv)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
