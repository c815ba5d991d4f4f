"""The playground runs on a student's laptop: only the student's own browser tab may use it.

Two attacks matter for a local server:

- DNS rebinding: a web page on evil.example re-points its own name to 127.0.0.1 and then talks
  to us "same-origin". Its requests still carry `Host: evil.example`, so we answer only requests
  whose Host is a loopback name (or a host the user bound to explicitly).
- Cross-site requests: any page can make the browser POST to http://127.0.0.1:8000. Browsers
  mark such requests with `Origin` and `Sec-Fetch-Site`; we refuse state-changing requests
  whose Origin is not ours or whose Sec-Fetch-Site is "cross-site"/"same-site". The API also
  accepts only `application/json` bodies, which a cross-site form cannot send.

Expensive GETs (pages that run Graphviz, e.g. /graph/steps) are treated like POSTs: a
cross-site `<img src=http://127.0.0.1:8000/graph/steps?...>` carries `Sec-Fetch-Site:
cross-site` and is refused, and because older browsers send no Sec-Fetch headers on an `<img>`,
such pages also need the app's page token (`t=`), which only our own pages know (another site
cannot read them).

Plus the usual headers: a strict Content-Security-Policy (scripts from our own origin only,
nothing from the internet), no framing by other sites, no MIME sniffing, no referrer.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

__all__ = ["LOOPBACK_HOSTS", "EXPENSIVE_GETS", "host_name", "install", "page_token"]

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXPENSIVE_GETS = ("/graph/steps",)  # GET pages whose answer costs a Graphviz run

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-src 'self'; frame-ancestors 'none'")


def host_name(host: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:8000' -> '::1', 'LocalHost.' -> 'localhost'."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _allowed(app: Flask, name: str) -> bool:
    return name in LOOPBACK_HOSTS or name.endswith(".localhost") or name in app.config["ALLOWED_HOSTS"]


def _refusal(message: str) -> Response:
    from flask import jsonify

    resp = jsonify(error=message)
    resp.status_code = 403
    return resp


def check_request() -> Response | None:
    """Refuse foreign Host headers and cross-origin writes (runs before every request)."""
    from flask import current_app as app

    name = host_name(request.host or "")
    if not _allowed(app, name):
        return _refusal(f"refused: Host '{name[:60]}' is not this computer. The playground answers only "
                        "http://127.0.0.1 or http://localhost (protection against DNS rebinding)")
    expensive = request.path.startswith(EXPENSIVE_GETS)
    if request.method in SAFE_METHODS and not expensive:
        return None
    if expensive and not secrets.compare_digest(request.args.get("t", "").encode("utf-8", "replace"),
                                                page_token(app).encode()):
        return _refusal("refused: this page is opened from the playground's own graph lab (missing or "
                        "wrong page token)")
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return _refusal(f"refused: cross-origin request (Sec-Fetch-Site: {site[:30]})")
    origin = request.headers.get("Origin")
    if origin is not None:
        parts = urlsplit(origin)
        # The origin must be this very server: same scheme-less host:port as the Host header.
        if origin == "null" or parts.netloc.lower() != (request.host or "").lower():
            return _refusal(f"refused: cross-origin request from {origin[:80]}")
    return None


def page_token(app: Flask) -> str:
    """The app's secret for expensive GETs (random per app, so per server run)."""
    return app.config["PAGE_TOKEN"]


def add_headers(resp: Response) -> Response:
    """Security headers on every answer; API answers are never cached."""
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.path.startswith("/api/"):
        resp.headers["Cache-Control"] = "no-store"
    return resp


def install(app: Flask, extra_hosts: Any = ()) -> None:
    """Register the checks and headers on `app`."""
    app.config.setdefault("ALLOWED_HOSTS", set())
    app.config.setdefault("PAGE_TOKEN", secrets.token_urlsafe(16))
    app.config["ALLOWED_HOSTS"] = {host_name(h) for h in (*app.config["ALLOWED_HOSTS"], *extra_hosts)}
    app.before_request(check_request)
    app.after_request(add_headers)
