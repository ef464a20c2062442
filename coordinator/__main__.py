"""The ``sinergi`` command (also ``python -m coordinator``): Flask's CLI group with Sinergi's own
commands (:mod:`coordinator.cli`), on the app :func:`coordinator.create_app` builds.

``sinergi run`` is Flask's development server, with one difference: the port it listens on
(``--port``, else ``PORT``) is the port the app's links carry when ``SINERGI_BASE_URL`` is unset.
"""
from __future__ import annotations

import copy
import functools
import os
from typing import Any

import click
from click.core import ParameterSource
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from coordinator import create_app
from coordinator.config import load_config


def _app_on_port(port: int) -> Flask:
    return create_app(environ={**os.environ, "PORT": str(port)})


def _run_on_one_port(command: click.Command) -> click.Command:
    """Flask's ``run`` whose app is built for the port it serves (links, base URL)."""
    original = command.callback
    assert original is not None

    @functools.wraps(original)
    def callback(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if ctx.get_parameter_source("port") in (ParameterSource.DEFAULT, None):
            kwargs["port"] = load_config(os.environ).web_port  # PORT, else Flask's 5000
        info = ctx.ensure_object(ScriptInfo)
        info.create_app = functools.partial(_app_on_port, kwargs["port"])
        return original(*args, **kwargs)

    wrapped = copy.copy(command)
    wrapped.callback = callback
    return wrapped


class SinergiGroup(FlaskGroup):
    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        return _run_on_one_port(command) if name == "run" and command is not None else command


main = SinergiGroup(create_app=create_app, help="Sinergi: coordination tracker of the gugus tugas.")

if __name__ == "__main__":
    main()
