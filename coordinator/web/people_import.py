"""Import cadres from Excel or CSV: upload -> preview with row-by-row errors -> confirm.

Between preview and confirm the file waits in the instance folder under a random name
(never in the session cookie); the name is bound to the uploader's id, so nobody else can
confirm it, and the file is removed once imported.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from coordinator.domain.people_import import import_people, preview_people_import
from coordinator.errors import DomainError, NotFound
from coordinator.extensions import db
from coordinator.policy import can
from coordinator.policy.roles import CADRE
from coordinator.web import errors
from coordinator.web.forms import WebForm
from coordinator.web.staff import flash_domain_error, staff_required

blp = errors.install(Blueprint("people_import", __name__, url_prefix="/orang/impor"))
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
EXTENSIONS = (".csv", ".xlsx", ".xlsm", ".xls", ".txt")


class UploadForm(WebForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired(_l("Choose a file."))])


class ConfirmForm(WebForm):
    upload = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired()])


def _upload_dir() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path | None:
    if not TOKEN.match(token or ""):
        return None
    return _upload_dir() / f"people-{current_user.id}-{token}"


def _ensure_allowed() -> None:
    if not can(current_user, "person.import", current_user.region_code):

        raise NotFound("import")


@blp.route("/", methods=["GET", "POST"])
@staff_required
def upload() -> Any:
    _ensure_allowed()
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("people/import.html", form=form), (400 if form.errors else 200)
    storage = form.file.data
    filename = Path(storage.filename or "upload.csv").name[:120]
    if not filename.lower().endswith(EXTENSIONS):
        form.file.errors = [_("Upload an Excel (.xlsx) or CSV file.")]
        return render_template("people/import.html", form=form), 400
    data = storage.read()
    preview = preview_people_import(filename, data, actor=current_user)
    token = ""
    if preview.is_valid:
        token = secrets.token_urlsafe(24)
        path = _path(token)
        assert path is not None
        path.write_bytes(data)
    confirm = ConfirmForm(upload=token, filename=filename)
    return render_template("people/import_preview.html", preview=preview, confirm=confirm,
                           filename=filename), (200 if preview.is_valid else 400)


@blp.post("/konfirmasi")
@staff_required
def confirm() -> Any:
    _ensure_allowed()
    form = ConfirmForm()
    path = _path(form.upload.data or "") if form.validate_on_submit() else None
    if path is None or not path.exists():
        flash(_("The uploaded file is no longer available; please upload it again."), "error")
        return redirect(url_for("people_import.upload"))
    try:
        ids = import_people(Path(form.filename.data or "").name, path.read_bytes(),
                            actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash_domain_error(exc)
        return redirect(url_for("people_import.upload"))
    path.unlink(missing_ok=True)
    flash(_("%(n)s cadres were imported.", n=len(ids)), "info")
    return redirect(url_for("people.index", role=CADRE))
