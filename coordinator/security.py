"""App-wide protections: request size limits, proxy headers, security headers and the CSP.

- Every request body is capped by ``MAX_REQUEST_KB`` (werkzeug refuses larger ones with 413
  before reading them, chunked bodies included); the import routes alone take ``IMPORT_MAX_MB``.
- ``TRUSTED_PROXY_HOPS`` > 0 puts werkzeug's ProxyFix in front, so ``remote_addr`` (rate limits)
  and ``is_secure`` (HSTS, Secure cookies) come from that many trusted proxies' headers.
- Flask-Talisman sends a strict Content-Security-Policy (no inline script or style anywhere),
  frame-ancestors 'none', nosniff, HSTS in production; Referrer-Policy is same-origin, and
  no-referrer on the signed-link pages (their URL is a credential).
"""
from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from coordinator.config import Config
from coordinator.domain.import_files import max_upload_bytes
from coordinator.extensions import limiter

# Endpoints that receive an import file: the only ones allowed a body above MAX_REQUEST_KB.
UPLOAD_ENDPOINTS = frozenset({
    "people_import.upload", "case_stats.import_preview", "api_people.PeopleImport",
})
# Pages whose URL carries a signed token: never leak it in a Referer header.
NO_REFERRER_BLUEPRINTS = frozenset({"links"})
PUBLIC_BLUEPRINTS = ("links", "webhooks")
UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and the other form fields
MAX_INT32 = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` within the 32-bit id columns: a larger number matches no route (404)
    instead of reaching the database (where PostgreSQL refuses it with an error)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_INT32, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def static_headers(config: Config) -> dict[str, str]:
    """The security headers Talisman gives Flask's answers, for the static files that WhiteNoise
    answers before Flask (:mod:`coordinator.web.assets`)."""
    headers = {
        "Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in CSP.items()),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if config.is_production:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def init_request_limits(app: Flask, config: Config) -> None:
    """Cap every body; raise the cap for the import routes before anything reads the form.

    Registered before CSRF and the rate limiter, whose hooks read the form."""
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_kb * 1024
    app.config["MAX_FORM_MEMORY_SIZE"] = config.max_request_kb * 1024
    app.url_map.converters["int"] = IdConverter  # before any route is added

    @app.before_request
    def allow_import_uploads() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
            request.max_content_length = max_upload_bytes() + UPLOAD_OVERHEAD

    @app.before_request
    def refuse_nul_bytes() -> None:
        # PostgreSQL cannot store NUL and no legitimate text holds one: refuse it at the door
        # (JSON bodies are checked by the API's schemas, files by the import readers).
        raw = request.query_string.lower()
        # Webhooks sign the raw body: parsing their form here would consume it.
        form_values = (request.form.values() if request.mimetype in FORM_TYPES
                       and not request.path.startswith("/webhooks/") else ())
        if ("\x00" in request.path or b"%00" in raw or b"\x00" in raw
                or any("\x00" in value for value in form_values)):
            raise BadRequest("Text must not contain NUL characters.")


def init_proxy_fix(app: Flask, config: Config) -> None:
    """Trust ``X-Forwarded-For/-Proto/-Host/-Port`` from ``TRUSTED_PROXY_HOPS`` proxies only."""
    hops = config.trusted_proxy_hops
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=0
        )


def init_headers(app: Flask, config: Config) -> None:
    """Security headers on every response (Talisman), with the per-page Referrer-Policy."""

    @app.after_request
    def referrer_policy(response: Response) -> Response:
        # Registered before Talisman's hook, so it runs after it and has the last word.
        if request.blueprint in NO_REFERRER_BLUEPRINTS:
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,  # TLS ends at the proxy; HSTS tells browsers to stay on https
        strict_transport_security=config.is_production,
        strict_transport_security_max_age=365 * 24 * 3600,
        strict_transport_security_include_subdomains=False,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=config.is_production,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
        x_xss_protection=False,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )


def init_error_answers(app: Flask) -> None:
    """Answers for every HTTP error a view did not answer itself (a body above the limit, a rate
    limit, no such route, a wrong method, a crash): the API's JSON envelope, plain text for
    webhooks, a page in the reader's language for people (never Werkzeug's English pages)."""
    from coordinator.api.errors import handle_http
    from coordinator.web.errors import error_page, server_error_page

    def answer(page: Any) -> Any:
        def handler(error: HTTPException) -> Any:
            if request.path.startswith("/api/"):
                return handle_http(error)
            if request.path.startswith("/webhooks/"):
                return Response(f"{error.name}\n", status=error.code, mimetype="text/plain")
            return page(error)
        return handler

    app.register_error_handler(HTTPException, answer(error_page))
    # Unhandled exceptions reach Flask's 500 handler as InternalServerError.
    app.register_error_handler(InternalServerError, answer(server_error_page))


def public_rate_limit() -> str:
    """``PUBLIC_RATE_LIMIT_PER_MINUTE`` as Flask-Limiter's text."""
    return f"{current_app.extensions['sinergi'].public_rate_limit_per_minute} per minute"


def init_public_rate_limits(app: Flask) -> None:
    """Per client address on the pages and hooks anyone can call without logging in: the
    signed-link pages and the SMS webhooks (the login view declares its own limit)."""
    for name in PUBLIC_BLUEPRINTS:
        blueprint = app.blueprints.get(name)
        if blueprint is not None and not getattr(blueprint, "_sinergi_rate_limited", False):
            limiter.limit(public_rate_limit, key_func=get_remote_address)(
                cast(Blueprint, blueprint))
            blueprint._sinergi_rate_limited = True  # type: ignore[attr-defined]
