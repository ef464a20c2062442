"""Staff login (email + password, with lockout), logout, password change, language switch."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from coordinator import policy
from coordinator.config import LANGUAGES
from coordinator.domain.auth import AccountLocked, LoginFailed, authenticate, change_password
from coordinator.errors import InvalidInput
from coordinator.extensions import db
from coordinator.web import errors
from coordinator.web.forms import WebForm
from coordinator.web.jinja import to_wib

blp = errors.install(Blueprint("auth", __name__))


class LoginForm(WebForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class PasswordForm(WebForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(min=10, message=_l("At least 10 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so ``next`` cannot send anyone elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def landing_url(person: Any) -> str:
    if not policy.can(person, "staff.area"):
        return url_for("cadre.index")
    if "dashboard.index" in current_app.view_functions:
        return url_for("dashboard.index")
    return url_for("actions.index")


@blp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            person = authenticate(form.email.data or "", form.password.data or "")
        except AccountLocked as locked:
            until = to_wib(locked.until)
            flash(_("Too many wrong passwords. Try again after %(time)s.",
                    time=until.strftime("%H:%M") if until else ""), "error")
        except LoginFailed:
            flash(_("Wrong email or password."), "error")
        else:
            session.clear()
            login_user(person)
            return redirect(safe_next(request.args.get("next")) or landing_url(person))
    return render_template("auth/login.html", form=form)


@blp.post("/logout")
def logout() -> Any:
    language = session.get("language")
    logout_user()
    session.clear()
    if language:
        session["language"] = language
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@blp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data or "",
                            form.new_password.data or "")
        except LoginFailed:
            form.current_password.errors = [_("The current password is wrong.")]
        except InvalidInput:
            form.new_password.errors = [_("At least 10 characters.")]
        else:
            flash(_("Your password has been changed."), "info")
            return redirect(landing_url(current_user))
    return render_template("auth/password.html", form=form)


@blp.post("/language")
def language() -> Any:
    chosen = request.form.get("language", "")
    if chosen not in LANGUAGES:
        flash(_("Unknown language."), "error")
    else:
        session["language"] = chosen
        if current_user.is_authenticated and current_user.language != chosen:
            current_user.language = chosen
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))
