"""In a real browser the strict CSP breaks nothing: Swagger UI renders, the login page works,
and the console reports no violation."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

pytestmark = pytest.mark.browser


def violations_on(chromium: Any, url: str, ready: str) -> list[str]:
    context = chromium.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(url)
    page.wait_for_selector(ready, timeout=15_000)
    context.close()
    return [m for m in messages if "Content Security Policy" in m]


def test_swagger_ui_runs_under_the_policy(seeded: Flask, live_server: str, chromium: Any) -> None:
    assert violations_on(chromium, f"{live_server}/api/v1/docs", ".swagger-ui .info") == []


def test_the_login_page_runs_under_the_policy(seeded: Flask, live_server: str, chromium: Any) -> None:
    assert violations_on(chromium, f"{live_server}/login", "form") == []
