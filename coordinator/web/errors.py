"""Friendly error pages for the server-rendered pages, in the reader's language.

Per blueprint (:func:`install`): the domain's errors raised by views. App-wide
(:func:`error_page`, registered by ``coordinator.security.init_error_answers`` for every HTTP
error and for 500, so Werkzeug's English pages never show): routing errors and anything else;
the REST API keeps its own JSON error shape. Out-of-scope objects are reported as 404, never
403, so other regions' data does not leak.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    TooManyRequests,
)

from coordinator.errors import Forbidden
from coordinator.errors import NotFound as DomainNotFound
from coordinator.extensions import db
from coordinator.web.prg import owner_page_url


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
    return error_page(error)


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



# Every error a person may meet, with a title and what to do, in their language.
TITLES = {
    400: _l("Request not accepted"), 403: _l("Not allowed"), 404: _l("Page not found"),
    405: _l("Not possible at this address"), 410: _l("No longer available"),
    413: _l("Too large"), 429: _l("Too many requests"), 500: _l("Something went wrong"),
}
MESSAGES = {
    400: _l("The request was not understood."),
    403: _l("You may not open this page. If you think you should, ask your coordinator or "
            "the administrator."),
    404: _l("This page does not exist, or it is outside your area."),
    405: _l("This address does not take this kind of request. Go back to the page and use its "
            "buttons."),
    410: _l("This page is no longer available: its link has expired or was withdrawn. Ask "
            "your coordinator for a new one."),
    429: _l("Too many requests from your connection. Wait a few minutes and try again."),
    500: _l("An error on our side stopped this page. Try again in a moment; if it happens "
            "again, tell the administrator."),
}
KEPT_HEADERS = ("Allow", "Retry-After")


def _message(error: HTTPException, code: int) -> str:
    if isinstance(error, CSRFError):
        return _("Your form expired or was sent twice. Go back, reload the page and try again.")
    if code == 413:
        mb = int(current_app.extensions["sinergi"].import_max_mb)
        return _("The request or the file is too large. Files for an import may be at most "
                 "%(mb)s MB.", mb=mb)
    return str(MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400]))


def error_page(error: HTTPException) -> Any:
    """Any HTTP error on a people's page: the site's layout, the reader's language, what to do.

    A GET on a POST-only address is no error to the reader: it goes back to its page.
    """
    code = error.code or 500
    if code == 405 and request.method in ("GET", "HEAD"):
        target = owner_page_url()
        if target is not None:
            return redirect(target, 303)
    if code >= 500:
        return server_error_page(error)
    title = TITLES.get(code, TITLES[400])
    headers = {k: v for k, v in error.get_headers() if k in KEPT_HEADERS}
    return render_template("errors/page.html", code=code, title=title,
                           message=_message(error, code)), code, headers


def server_error_page(error: Exception) -> Any:
    """500: the session is rolled back first; if even the layout cannot render (the database is
    down), a bare page in both languages, never Werkzeug's."""
    db.session.rollback()
    try:
        return render_template("errors/page.html", code=500, title=TITLES[500],
                               message=str(MESSAGES[500])), 500
    except Exception:  # noqa: BLE001 - the last answer must not fail in turn
        db.session.rollback()
        return Response(BARE_500, status=500, mimetype="text/html")


BARE_500 = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Terjadi kesalahan · Sinergi</title><link rel="stylesheet" href="/static/sinergi.css"></head>
<body><main><h1>Terjadi kesalahan</h1>
<p>Kesalahan di sisi kami menghentikan halaman ini. Coba lagi sebentar lagi; bila terulang,
beri tahu administrator.</p>
<p lang="en">An error on our side stopped this page. Try again in a moment; if it happens again,
tell the administrator.</p><p><a href="/">Sinergi</a></p></main></body></html>"""


def not_found_page(error: Exception) -> Any:
    """No such page (no route matched): the friendly 404 page."""
    return render_template("errors/404.html"), 404


def too_large_page(error: RequestEntityTooLarge) -> Any:
    """A body above the size limit: a page in the user's language."""
    return error_page(error)


def too_many_page(error: TooManyRequests) -> Any:
    """A rate limit: a page in the user's language."""
    return error_page(error)
