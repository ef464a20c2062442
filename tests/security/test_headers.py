"""Security headers and proxies: a strict CSP everywhere, HSTS and Secure cookies in production
behind a TLS proxy, no-referrer on signed-link pages, and templates without inline script."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

import coordinator
from coordinator.security import CSP

TEMPLATES = Path(coordinator.__file__).parent / "web" / "templates"
EXPECTED_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                "form-action 'self'; frame-ancestors 'none'")


def check_common(headers: dict[str, str]) -> None:
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/login", "/", "/healthz", "/api/v1/openapi.json",
                                  "/api/v1/programs", "/static/sinergi.css", "/no-such-page"])
def test_every_answer_carries_the_headers(seeded: Flask, path: str) -> None:
    response = seeded.test_client().get(path)
    check_common(dict(response.headers))
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # not production, not https


def test_production_behind_a_tls_proxy(make_app: Callable[..., Flask]) -> None:
    app = make_app(env="production", trusted_proxy_hops=1)
    client = app.test_client()
    response = client.get("/login", headers={"X-Forwarded-Proto": "https",
                                             "X-Forwarded-For": "198.51.100.7",
                                             "X-Forwarded-Host": "sinergi.example.go.id"})
    check_common(dict(response.headers))
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_proxy_headers_are_ignored_without_trusted_proxies(make_app: Callable[..., Flask]) -> None:
    app = make_app(trusted_proxy_hops=0)
    seen: dict[str, object] = {}

    @app.get("/_who")
    def who() -> str:
        from flask import request

        seen.update(addr=request.remote_addr, secure=request.is_secure)
        return "ok"

    app.test_client().get("/_who", headers={"X-Forwarded-For": "203.0.113.5",
                                            "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "127.0.0.1", "secure": False}


def test_proxy_headers_count_with_one_trusted_proxy(make_app: Callable[..., Flask]) -> None:
    app = make_app(trusted_proxy_hops=1)
    seen: dict[str, object] = {}

    @app.get("/_who")
    def who() -> str:
        from flask import request

        seen.update(addr=request.remote_addr, secure=request.is_secure)
        return "ok"

    app.test_client().get("/_who", headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.5",
                                            "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.5", "secure": True}  # only the last hop is believed


def test_signed_link_pages_send_no_referrer(seeded: Flask) -> None:
    response = seeded.test_client().get("/t/not-a-real-token")
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_api_docs_page_has_no_inline_script(seeded: Flask) -> None:
    page = seeded.test_client().get("/api/v1/docs").text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert "sinergi-init.js" in page


def test_no_template_has_inline_script_style_or_handlers() -> None:
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>",
                        r"<style", r"\sstyle=", r"\son[a-z]+=", r"javascript:"):
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(TEMPLATES)}: {pattern}")
    assert not offenders, offenders


def test_the_policy_allows_nothing_inline() -> None:
    assert "'unsafe-inline'" not in str(CSP) and "'unsafe-eval'" not in str(CSP)


def test_signed_link_pages_are_limited_per_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(public_rate_limit_per_minute=3)
    client = app.test_client()
    statuses = [client.get("/t/not-a-real-token").status_code for _ in range(4)]
    assert statuses[-1] == 429 and 429 not in statuses[:3]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert other.get("/t/not-a-real-token").status_code != 429
