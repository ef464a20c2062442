"""Webhooks called by SMS providers: inbound replies and delivery statuses (CSRF-exempt, signed)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from coordinator.extensions import csrf
    from coordinator.webhooks.sms import blp

    csrf.exempt(blp)
    app.register_blueprint(blp)
