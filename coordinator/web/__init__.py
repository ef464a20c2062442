"""Server-rendered pages: one blueprint per area, registered here."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from coordinator.web.health import blp as health_blp
    from coordinator.web.home import blp as home_blp

    app.register_blueprint(health_blp)
    app.register_blueprint(home_blp)
