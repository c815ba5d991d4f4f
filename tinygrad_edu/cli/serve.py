"""Start the local web playground: graph lab, training lab and optimizer race in your browser.

Serves http://127.0.0.1:8000 by default (only this computer can reach it). Needs Flask, the
optional extra `web`: pip install "tinygrad-edu[web]". Press Ctrl+C to stop.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import UsageError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")


def make_server(host: str, port: int, app=None, quiet: bool = False):
    """A threaded WSGI server for the app (Werkzeug's, never its debugger or reloader).
    `quiet` drops the one-line-per-request log (tests, the load test)."""
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as _make

    class Handler(WSGIRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            # the pages poll running jobs every few hundred ms: successful polls are not news
            poll = self.command == "GET" and self.path.startswith(("/api/train/", "/api/cnn/"))
            if not quiet and not (poll and str(code) == "200"):
                super().log_request(code, size)

    if app is None:
        from viz.web import create_app

        app = create_app({"ALLOWED_HOSTS": set() if host in LOOPBACK else {host}})
    return _make(host, port, app, threaded=True, request_handler=Handler)


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"serve: --port must be between 0 and 65535, got {args.port}")
    try:
        import flask  # noqa: F401  (only to give a clear message when the extra is missing)
    except ImportError:
        raise UsageError('serve: Flask is not installed; install the web extra: pip install "tinygrad-edu[web]"'
                         ) from None
    if args.host not in LOOPBACK:
        print(f"warning: listening on {args.host}: other computers on the network can reach the playground")
    try:
        server = make_server(args.host, args.port)
    except OSError as e:
        raise UsageError(f"serve: cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"tinygrad_edu playground on http://{host}:{server.server_port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()  # Werkzeug's returns quietly on Ctrl+C
    except KeyboardInterrupt:
        pass
    finally:
        print("stopped")
        server.app.extensions["tinygrad_edu_jobs"].stop_all(wait=2.0)
        server.server_close()
    return 0
