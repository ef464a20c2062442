"""Flask extensions, created unbound here and bound to an app in ``create_app``."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from coordinator.models.base import Base

# Flask-Limiter keeps its storage on the Limiter object; these attributes live per app instead,
# so two apps in one process (tests, a worker beside a web app) never count into each other's
# storage.
_PER_APP_LIMITER_STATE = ("_storage", "_limiter", "_storage_dead", "_fallback_limiter",
                          "_fallback_storage")


def _per_app(name: str) -> property:
    def get(self: Limiter) -> Any:
        if has_app_context():
            state = current_app.extensions.get("sinergi_limiter_state")
            if state is not None and name in state:
                return state[name]
        return self.__dict__.get(name)

    def set_(self: Limiter, value: Any) -> None:
        if has_app_context():
            current_app.extensions.setdefault("sinergi_limiter_state", {})[name] = value
        else:
            self.__dict__[name] = value

    return property(get, set_)


class AppLimiter(Limiter):
    """Flask-Limiter, its storage kept per app (see ``_PER_APP_LIMITER_STATE``)."""

    def init_app(self, app: Flask) -> None:
        with app.app_context():
            super().init_app(app)


for _name in _PER_APP_LIMITER_STATE:
    setattr(AppLimiter, _name, _per_app(_name))

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage (Redis or memory) and strategy are set from the config in ``create_app``; the limits
# themselves are declared where they apply (login, API, webhooks, signed links).
limiter = AppLimiter(key_func=get_remote_address, default_limits=[], headers_enabled=True,
                  strategy="moving-window", key_prefix="sinergi")
