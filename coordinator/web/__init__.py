"""Server-rendered pages: one blueprint per area, registered here."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext

from coordinator.extensions import login_manager
from coordinator.web import (
    jinja,
    notifications_admin,
    outbox,
    prg,
    reminder_policy,
    resend,
    worklist,
)
from coordinator.web.actions import blp as actions_blp
from coordinator.web.auth import blp as auth_blp
from coordinator.web.bulk import blp as bulk_blp
from coordinator.web.cadre import blp as cadre_blp
from coordinator.web.case_stats import blp as case_stats_blp
from coordinator.web.dashboard import blp as dashboard_blp
from coordinator.web.health import blp as health_blp
from coordinator.web.home import blp as home_blp
from coordinator.web.links import blp as links_blp
from coordinator.web.people import blp as people_blp
from coordinator.web.people_import import blp as people_import_blp
from coordinator.web.programs import blp as programs_blp
from coordinator.web.targets import blp as targets_blp


def init_app(app: Flask) -> None:

    jinja.init_app(app)
    prg.init_app(app)  # a POST's 302 becomes 303; GET on a POST-only address -> its page
    worklist.init_app(app)
    # A cadre may open a task page and press "done" hours later: keep its form valid a day.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 24 * 3600)
    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    login_manager.login_message_category = "info"
    app.register_blueprint(health_blp)
    app.register_blueprint(home_blp)
    app.register_blueprint(auth_blp)
    app.register_blueprint(cadre_blp)
    app.register_blueprint(links_blp)
    app.register_blueprint(programs_blp)
    app.register_blueprint(actions_blp)
    app.register_blueprint(bulk_blp)
    app.register_blueprint(dashboard_blp)
    app.register_blueprint(case_stats_blp)
    app.register_blueprint(targets_blp)
    app.register_blueprint(people_import_blp)
    app.register_blueprint(people_blp)




    app.register_blueprint(outbox.blp)
    app.register_blueprint(notifications_admin.blp)
    app.register_blueprint(reminder_policy.blp)
    app.register_blueprint(resend.blp)
