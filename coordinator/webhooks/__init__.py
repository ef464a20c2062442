"""Webhooks called by SMS providers: inbound replies and delivery statuses (CSRF-exempt, signed)."""
from __future__ import annotations

from flask import Flask

from coordinator.extensions import csrf
from coordinator.webhooks.sms import blp


def init_app(app: Flask) -> None:
    csrf.exempt(blp)
    app.register_blueprint(blp)
