"""Failed messages: dead and undeliverable notifications with a retry button, the month's
uncertain sends (the provider's answer never came) and how each was settled, the failed
background jobs (dead letters) with their errors and a retry button, and the SMS counts per
program and city for a month (SMS credit comes from a government budget).
"""
from __future__ import annotations

from datetime import date, time
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from coordinator.domain.calendar import local_datetime, local_now
from coordinator.domain.dead_letters import open_dead_letters, take_for_retry, undo_retry
from coordinator.errors import Conflict, NotFound
from coordinator.extensions import db
from coordinator.jobs import JOBS_BY_NAME
from coordinator.models import Notification, utcnow
from coordinator.notifications.attempts import retry_dead, uncertain_counts
from coordinator.notifications.budget import sms_per_city, sms_per_program
from coordinator.policy import can, scope_code
from coordinator.queue import request_dispatch, request_job
from coordinator.web import errors
from coordinator.web.outbox import scoped_notifications
from coordinator.web.prg import belongs_to
from coordinator.web.staff import staff_required

blp = errors.install(Blueprint("notifications", __name__, url_prefix="/notifications"))
LIMIT = 200


class RetryForm(FlaskForm):
    pass


def _month(raw: str | None) -> tuple[date, str | None]:
    this_month = local_now().date().replace(day=1)
    if not raw:
        return this_month, None
    try:
        return date.fromisoformat(raw.strip() + "-01"), None
    except ValueError:
        return this_month, _("Month must look like 2022-03.")


@blp.get("/dead")
@staff_required
def dead() -> Any:
    """Dead and undeliverable messages in the user's region, and this month's SMS counts."""
    month, problem = _month(request.args.get("month"))
    rows = db.session.scalars(
        scoped_notifications()
        .where(Notification.status.in_(("dead", "undeliverable")))
        .options(joinedload(Notification.recipient))
        .order_by(Notification.created_at.desc()).limit(LIMIT)
    ).all()
    scope = scope_code(current_user)
    in_scope = scoped_notifications().with_only_columns(Notification.id)
    return render_template(
        "notifications/dead.html", notifications=rows, form=RetryForm(), month=month,
        problem=problem, by_program=sms_per_program(month, scope),
        by_city=sms_per_city(month, scope),
        uncertain=uncertain_counts(local_datetime(month, time(0)), in_scope),
        jobs=open_dead_letters() if can(current_user, "job.view") else None,
    ), (400 if problem else 200)


@blp.post("/<int:notification_id>/retry")
@belongs_to("notifications.dead")
@staff_required
def retry(notification_id: int) -> Any:
    """Queue a dead message again; the dispatch sweep sends it within a minute."""
    if not RetryForm().validate_on_submit():
        abort(400)
    found = db.session.scalars(
        scoped_notifications().where(Notification.id == notification_id)
    ).first()
    if found is None:
        abort(404)
    if not can(current_user, "notification.retry"):
        flash(_("Only an admin or a task-force lead can send a message again."), "error")
    elif retry_dead(notification_id, utcnow()):
        request_dispatch()
        flash(_("The message will be sent again within a minute."), "success")
    else:
        flash(_("This message is no longer failed: nothing to retry."), "warning")
    return redirect(url_for("notifications.dead"))


@blp.post("/jobs/<int:letter_id>/retry")
@belongs_to("notifications.dead")
@staff_required
def retry_job(letter_id: int) -> Any:
    """Put a failed background job back on its queue."""
    if not RetryForm().validate_on_submit():
        abort(400)
    if not can(current_user, "job.retry"):
        abort(403)
    try:
        letter = take_for_retry(letter_id, current_user, utcnow())
    except NotFound:
        abort(404)
    except Conflict:
        flash(_("This job is no longer failed: nothing to retry."), "warning")
        return redirect(url_for("notifications.dead"))
    job = JOBS_BY_NAME.get(letter.task_name)
    if job is None:
        undo_retry(letter_id, f"{letter.task_name} is not a job of this version of Sinergi")
        flash(_("This job is unknown to this version of Sinergi: it cannot be retried."), "error")
    elif request_job(job, *letter.args):
        flash(_("The job is queued again."), "success")
    else:
        undo_retry(letter_id, f"{letter.error}\n(retry refused: the queue is unreachable)")
        flash(_("The queue is unreachable: try again in a minute."), "error")
    return redirect(url_for("notifications.dead"))
