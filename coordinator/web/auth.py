"""Staff login (throttled per address and account), logout, password change, "sign out
everywhere", language switch. Every login is a server-side session (``domain.sessions``)."""
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
from coordinator.auth_loader import SESSION_KEY
from coordinator.config import LANGUAGES
from coordinator.domain.auth import LoginFailed, LoginThrottled, authenticate, change_password
from coordinator.domain.sessions import end_all_sessions, end_session, start_session
from coordinator.errors import InvalidInput, NotFound
from coordinator.extensions import db, limiter
from coordinator.models import Person
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


def login_attempts_per_ip() -> str:
    """Flask-Limiter's limit of login posts per client address (``LOGIN_ATTEMPTS_PER_IP_PER_HOUR``)."""
    return f"{current_app.extensions['sinergi'].login_attempts_per_ip_per_hour} per hour"


def sign_in(person: Person) -> None:
    """Start a fresh server-side session for ``person`` in this browser (new cookie)."""
    language = session.get("language")
    session.clear()
    session[SESSION_KEY] = start_session(person, user_agent=request.user_agent.string)
    if language:
        session["language"] = language
    login_user(person)


def sign_out() -> None:
    """End this browser's session on the server and forget the cookie's contents."""
    language = session.get("language")
    end_session(session.get(SESSION_KEY))
    logout_user()
    session.clear()
    if language:
        session["language"] = language


@blp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_attempts_per_ip, methods=["POST"], scope="login")
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            person = authenticate(form.email.data or "", form.password.data or "",
                                  client=request.remote_addr or "unknown")
        except LoginThrottled as throttled:
            until = to_wib(throttled.until)
            flash(_("Too many wrong passwords. Try again after %(time)s.",
                    time=until.strftime("%H:%M") if until else ""), "error")
        except LoginFailed:
            flash(_("Wrong email or password."), "error")
        else:
            sign_in(person)
            return redirect(safe_next(request.args.get("next")) or landing_url(person))
    return render_template("auth/login.html", form=form)


@blp.post("/logout")
def logout() -> Any:
    sign_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@blp.post("/orang/<int:person_id>/keluar-semua")
@login_required
def sign_out_everywhere(person_id: int) -> Any:
    """End every session and API token of a person (an admin, or the person themself)."""
    person = db.session.get(Person, person_id)  # CSRF: checked app-wide before this runs
    if person is None or not policy.can(current_user, "person.sign_out", person):
        raise NotFound("person")
    myself = person.id == current_user.id
    end_all_sessions(person, actor=current_user, reason="sign_out_everywhere")
    if myself:
        sign_out()
        flash(_("You are logged out on every device."), "info")
        return redirect(url_for("auth.login"))
    flash(_("%(name)s is logged out on every device; their API tokens are revoked.",
            name=person.name), "info")
    return redirect(url_for("people.edit", person_id=person_id))


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
            person = current_user._get_current_object()  # type: ignore[attr-defined]
            sign_in(person)  # the old sessions ended; this browser gets a new one
            flash(_("Your password has been changed. Other devices are logged out and your "
                    "API tokens are revoked."), "info")
            return redirect(landing_url(person))
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
