"""Flask extensions, created unbound here and bound to an app in ``create_app``."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from coordinator.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage (Redis or memory) and strategy are set from the config in ``create_app``; the limits
# themselves are declared where they apply (login, API, webhooks, signed links).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True,
                  strategy="moving-window", key_prefix="sinergi")
