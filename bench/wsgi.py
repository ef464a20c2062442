"""The app gunicorn serves in the benchmarks: the real app, with a Flask hello-world mounted
beside it at ``/__hello`` in the same process, so both share gunicorn, workers and machine."""
from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware


def hello_app() -> Flask:
    hello = Flask("hello")

    @hello.get("/")
    def index() -> str:
        return "Hello, World!"

    return hello


def create_bench_app() -> Any:
    from bench.app import create_app

    app = create_app()
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/__hello": hello_app()})  # type: ignore[method-assign]
    return app
