"""The floor under B1's ratios: a Flask hello-world with only the extensions every Sinergi page
passes through, each mounted beside the bare hello-world in one gunicorn.

``python -m bench.diagnose floor`` serves this WSGI app and drives each path with wrk. What a
variant loses against ``/__hello/`` is what that extension costs per request before any of
Sinergi's own code runs: Flask-Limiter as Sinergi configures it (moving window in Redis, with
the ``X-RateLimit-*`` headers), Flask-Talisman's security headers and Flask-WTF's CSRF check;
beside them the ``limits`` library (Flask-Limiter's engine) called directly, one round trip.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bench.wsgi import hello_app

LIMIT = "1000000 per minute"  # as B1: the bench measures the cost, never a refusal
# path -> the extensions its hello-world passes through (the order of the table)
VARIANTS: dict[str, tuple[str, ...]] = {
    "/talisman": ("talisman",),
    "/csrf": ("csrf",),
    "/limiter": ("limiter",),
    "/limiter-no-headers": ("limiter-no-headers",),
    "/limits": ("limits",),
    "/all": ("limiter", "talisman", "csrf"),
    "/limits-talisman-csrf": ("limits", "talisman", "csrf"),
}


def _with(parts: tuple[str, ...], redis_url: str) -> Flask:
    app = Flask("floor-" + "-".join(parts))
    app.config.update(SECRET_KEY="bench-floor-secret-key-0123456789",
                      RATELIMIT_STORAGE_URI=redis_url)
    if "talisman" in parts:
        Talisman(app, force_https=False)
    if "csrf" in parts:
        CSRFProtect(app)

    def index() -> str:
        return "Hello, World!"

    view: Callable[[], Any] = index
    if "limiter" in parts or "limiter-no-headers" in parts:
        limiter = Limiter(get_remote_address, app=app, strategy="moving-window",
                          headers_enabled="limiter" in parts, key_prefix="floor")
        view = limiter.limit(LIMIT)(index)
    if "limits" in parts:
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        window = MovingWindowRateLimiter(storage_from_string(redis_url))
        item = parse(LIMIT)

        @app.before_request
        def count() -> None:
            if not window.hit(item, "floor", request.remote_addr or ""):
                abort(429)

    app.get("/")(view)
    return app


def create_floor_app() -> Any:
    redis_url = os.environ["REDIS_URL"]
    hello = hello_app()
    mounts = {path: _with(parts, redis_url).wsgi_app for path, parts in VARIANTS.items()}
    hello.wsgi_app = DispatcherMiddleware(hello.wsgi_app,  # type: ignore[method-assign]
                                          {"/__hello": hello_app().wsgi_app, **mounts})
    return hello
