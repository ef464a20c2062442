"""Post/redirect/get for every page, written once instead of route by route.

- A form POST that succeeds redirects with 303 See Other (the browser then GETs the page, so a
  reload does not send the form again): any 302 a page answers a POST with becomes a 303.
- A GET on a POST-only address (reloading ``/aksi/5/selesai`` after its form, a shared link
  to it) goes back to the page the form belongs to, instead of a 405: the view's declared
  owner page (:func:`belongs_to`), else the nearest page up its path (``/aksi/5``).

Only people's pages: the API (``/api/``) and the SMS webhooks keep their own answers.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

F = TypeVar("F", bound=Callable[..., Any])
MACHINE_PREFIXES = ("/api/", "/webhooks/")
OWNER_ATTRIBUTE = "owner_page"


def for_people() -> bool:
    """Whether the request is for a page people read (not the API, not a webhook)."""
    return not request.path.startswith(MACHINE_PREFIXES)


def belongs_to(endpoint: str) -> Callable[[F], F]:
    """Declare the page a POST-only view's form lives on, when it is not the one up its path.

    Put it under the route decorator; the owner page receives the view's URL arguments it names.
    """
    def mark(view: F) -> F:
        setattr(view, OWNER_ATTRIBUTE, endpoint)
        return view

    return mark


def owner_page_url() -> str | None:
    """Where a GET on this POST-only address should go, or None if no POST route matches it."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match(method="POST")
    except HTTPException:
        return None
    owner = getattr(current_app.view_functions.get(endpoint), OWNER_ATTRIBUTE, None)
    if owner is not None:
        wanted = {name for rule in current_app.url_map.iter_rules(owner) for name in rule.arguments}
        return url_for(owner, **{k: v for k, v in args.items() if k in wanted})
    return _nearest_page_up(adapter, request.path)


def _nearest_page_up(adapter: MapAdapter, path: str) -> str:
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts)
        for url in (candidate, candidate + "/") if candidate else ("/",):
            try:
                adapter.match(url, method="GET")
            except HTTPException:
                continue
            return request.script_root + url
    return request.script_root + "/"


def init_app(app: Flask) -> None:
    @app.after_request
    def see_other_after_post(response: Response) -> Response:
        if request.method == "POST" and response.status_code == 302 and for_people():
            response.status_code = 303
        return response
