"""Sinergi's Flask application factory."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from coordinator import access_log, auth_loader, i18n, queue, read_cache
from coordinator.api import init_app as init_api
from coordinator.cli import init_app as init_cli
from coordinator.config import Config, load_config
from coordinator.database import engine_options, install_sqlite_pragmas
from coordinator.extensions import csrf, db, limiter, migrate
from coordinator.security import (
    init_error_answers,
    init_headers,
    init_proxy_fix,
    init_public_rate_limits,
    init_request_limits,
    static_headers,
)
from coordinator.web import assets
from coordinator.web import init_app as init_web
from coordinator.webhooks import init_app as init_webhooks

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: Config | None = None, environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app from ``config`` (or from ``environ``, by default the process environment)."""
    config = config or load_config(os.environ if environ is None else environ)
    app = Flask(
        __name__,
        instance_path=str(config.instance_dir.resolve()),
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.update(
        SECRET_KEY=config.secret_key,
        SQLALCHEMY_DATABASE_URI=config.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(config.database_url, config.db_pool_size),
        SESSION_COOKIE_SECURE=config.is_production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=config.is_production,
        TESTING=config.env == "test",
        RATELIMIT_STORAGE_URI=config.redis_url or "memory://",
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 2, "socket_connect_timeout": 2},
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,  # losing Redis must not take the app down
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    app.extensions["sinergi"] = config
    if config.database_url.startswith("sqlite"):
        config.instance_dir.mkdir(parents=True, exist_ok=True)
        install_sqlite_pragmas()
    access_log.init_app(app)
    init_proxy_fix(app, config)
    init_request_limits(app, config)  # before CSRF and the limiter: both read the form
    db.init_app(app)
    read_cache.init_app(app)  # its version read comes before any other hook reads the database
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    limiter.init_app(app)
    init_headers(app, config)
    i18n.init_app(app)
    auth_loader.init_app(app)
    init_web(app)
    init_api(app)
    init_webhooks(app)
    init_error_answers(app)
    init_public_rate_limits(app)
    init_cli(app)
    queue.init_app(app)
    assets.init_app(app, config.instance_dir, static_headers(config))
    return app
