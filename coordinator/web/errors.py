"""Friendly error pages for the server-rendered blueprints.

Installed per blueprint (not app-wide) so the REST API keeps its own JSON error shape.
Out-of-scope objects are reported as 404, never 403, so other regions' data does not leak.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    TooManyRequests,
)

from coordinator.errors import Forbidden
from coordinator.errors import NotFound as DomainNotFound
from coordinator.extensions import db


def _not_found(error: Exception) -> Any:
    return render_template("errors/404.html"), 404


def _csrf_failed(error: CSRFError) -> Any:
    message = _(
        "Your form expired or was sent twice. Go back, reload the page and try again."
    )
    return render_template("errors/400.html", message=message), 400


def _bad_request(error: BadRequest) -> Any:
    return render_template("errors/400.html", message=_("The request was not understood.")), 400


def _method_not_allowed(error: MethodNotAllowed) -> Any:
    return render_template("errors/404.html"), 405


def _out_of_range(error: Exception) -> Any:
    # An id or number beyond the column's range (``/aksi/99999999999999999999``) names nothing.
    db.session.rollback()
    return render_template("errors/404.html"), 404


def page_not_found() -> DomainNotFound:
    """The error a view raises for "no such page here" (answered with the 404 page)."""
    return DomainNotFound("page not found")


def install(blp: Blueprint) -> Blueprint:
    """Register the error pages on ``blp``; call once, at import, before registration."""
    blp.register_error_handler(NotFound, _not_found)
    blp.register_error_handler(DomainNotFound, _not_found)
    blp.register_error_handler(Forbidden, _not_found)
    blp.register_error_handler(CSRFError, _csrf_failed)
    blp.register_error_handler(BadRequest, _bad_request)
    blp.register_error_handler(MethodNotAllowed, _method_not_allowed)
    blp.register_error_handler(DataError, _out_of_range)  # PostgreSQL
    blp.register_error_handler(OverflowError, _out_of_range)  # SQLite
    return blp



def not_found_page(error: Exception) -> Any:
    """No such page (no route matched): the friendly 404 page."""
    return render_template("errors/404.html"), 404


def too_large_page(error: RequestEntityTooLarge) -> Any:
    """A body above the size limit: a page in the user's language."""
    mb = int(current_app.extensions["sinergi"].import_max_mb)
    return render_template("errors/400.html", message=_(
        "The request or the file is too large. Files for an import may be at most "
        "%(mb)s MB.", mb=mb)), 413


def too_many_page(error: TooManyRequests) -> Any:
    """A rate limit: a page in the user's language."""
    return render_template("errors/400.html", message=_(
        "Too many requests from your connection. Wait a few minutes and try again.")), 429
