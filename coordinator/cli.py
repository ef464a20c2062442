"""The ``sinergi`` command: Flask's CLI group plus Sinergi's own commands."""
from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def init_app(app: Flask) -> None:
    """Attach Sinergi's commands to ``app.cli``."""


def _create_app() -> Flask:
    from coordinator import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Sinergi: coordination tracker of the gugus tugas.")
