"""Reads kept in each web process while nothing has been written.

What a read builds from the database (the dashboard's page, a link's page, the navigation's
worklist count, an API answer, who a token or a web session is) is kept in the process's memory
under the *data version*: a random token in Redis (``sinergi:data-version``), replaced whenever
a database connection that wrote goes back to its pool, that is after its commit or rollback.
Any write by any process of the app (web, API, SMS webhook, workers, CLI) therefore retires
every kept read at once, in every process; the next request builds it again.

Rules that keep a kept read from ever being older than the data it claims:
- the version is read at the start of every request, before anything else of the request
  reads the database (``init_app`` registers that hook before the others), so a read is never
  kept under a version newer than its data;
- a request that wrote reads and keeps nothing more once its write is over (its version is
  dropped at the same check-in that bumps it), so it never shows what it just changed from a
  copy kept before the change;
- a write bumps the version only once it is over (pool check-in), never before its commit;
- an entry is keyed by everything it depends on (the person, the language, the query string)
  and expires after ``READ_CACHE_SECONDS`` (default 60) whatever happens: that bounds what a
  write outside the app (psql), a lost Redis write or the clock (an action turning overdue)
  can leave unseen;
- Redis unreachable: nothing is read from or kept in the cache, and a bump that failed is
  retried at the next write;
- a kept page holds no request's own parts: its CSRF token is filled in per request, and a
  request with flashed messages waiting renders afresh.
Without ``REDIS_URL``, or with ``READ_CACHE_SECONDS=0``, nothing is kept (the embedded default
runs several processes with nothing shared to hold the version).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import redis
from flask import Blueprint, Flask, Response, current_app, g, has_app_context, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

log = logging.getLogger(__name__)
T = TypeVar("T")

VERSION_KEY = "sinergi:data-version"
MAX_ENTRIES = 512
MAX_RESPONSE_BYTES = 256 * 1024
_WROTE = "sinergi.wrote"  # on a pooled connection's info: it wrote since it was checked out
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "COPY", "WITH", "CREATE",
                "DROP", "ALTER", "REFRESH", "REPLACE", "VACUUM")
_RETRY_AFTER_FAILURE = 5.0  # seconds without trying Redis after it failed
_MISSING: Any = object()
_CONDITIONAL = ("If-None-Match", "If-Modified-Since", "If-Match", "Range")
# Where a kept page's CSRF token goes: each request fills in its own (``kept_page``).
_CSRF_SLOT = f"csrf-slot-{uuid.uuid4().hex}"


class _Versions:
    """The Redis holding the version, shared by every app of the process that names it."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.bump_owed = False
        self._quiet_until = 0.0

    def current(self) -> str | None:
        """The version now (one set if Redis has none), or None if Redis did not answer."""
        if time.monotonic() < self._quiet_until:
            return None
        try:
            if self.bump_owed:
                self._bump()
            value = self.client.get(VERSION_KEY)
            if value is None:
                self.client.set(VERSION_KEY, uuid.uuid4().hex, nx=True)
                value = self.client.get(VERSION_KEY)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        return bytes(value).decode() if value is not None else None  # type: ignore[arg-type]

    def bump(self) -> None:
        if time.monotonic() < self._quiet_until:
            self.bump_owed = True
            return
        try:
            self._bump()
        except redis.RedisError as exc:
            self.bump_owed = True
            self._failed(exc)

    def _bump(self) -> None:
        self.client.set(VERSION_KEY, uuid.uuid4().hex)
        self.bump_owed = False

    def _failed(self, exc: Exception) -> None:
        self._quiet_until = time.monotonic() + _RETRY_AFTER_FAILURE
        log.warning("read cache off for %.0f s, Redis did not answer: %s",
                    _RETRY_AFTER_FAILURE, exc)


_versions: dict[str, _Versions] = {}
_listening = False
_lock = threading.Lock()


class _Store:
    """One app's kept reads: ``MAX_ENTRIES`` at most, least recently used first out."""

    def __init__(self, versions: _Versions, max_age: float) -> None:
        self.versions = versions
        self.max_age = max_age
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Hashable, ...]) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return _MISSING
            if time.monotonic() - entry[0] > self.max_age:
                del self._entries[key]
                return _MISSING
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[Hashable, ...], value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def init_app(app: Flask) -> None:
    """Bump the version after every write of this process; read it first in every request.

    Call before anything that registers a ``before_request`` reading the database."""
    config = app.extensions["sinergi"]
    store = None
    if config.redis_url:
        with _lock:
            versions = _versions.setdefault(config.redis_url, _Versions(config.redis_url))
        _listen()
        if config.read_cache_seconds:
            store = _Store(versions, config.read_cache_seconds)
    app.extensions["sinergi_read_cache"] = store
    if store is not None:
        app.before_request(_read_version)


def _listen() -> None:
    global _listening
    with _lock:
        if _listening:
            return
        event.listen(Engine, "after_cursor_execute", _note_write)
        event.listen(Pool, "checkin", _bump_after_write)
        _listening = True


def _is_write(statement: str) -> bool:
    head = statement.lstrip()
    while head.startswith("/*"):  # a tag such as /* worklist */
        head = head[head.find("*/") + 2:].lstrip() if "*/" in head else ""
    return head[:8].upper().startswith(_WRITE_VERBS)


def _note_write(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
    if _WROTE in conn.info:
        return
    if (context is not None and (context.isinsert or context.isupdate or context.isdelete)) \
            or _is_write(statement):
        conn.info[_WROTE] = True


def _bump_after_write(dbapi_connection: Any, record: Any) -> None:
    if record is None or not record.info.pop(_WROTE, False):
        return
    if has_app_context():
        g.pop("read_cache_version", None)
    for versions in list(_versions.values()):
        versions.bump()


def _store() -> _Store | None:
    if not has_app_context():
        return None
    return current_app.extensions.get("sinergi_read_cache")  # type: ignore[no-any-return]


def _read_version() -> None:
    store = _store()
    if store is not None:
        g.read_cache_version = store.versions.current()
        if g.read_cache_version is None:
            store.clear()  # writes may go unannounced while Redis is away


def _version() -> tuple[_Store, str] | None:
    store = _store()
    version = g.get("read_cache_version") if store is not None else None
    return (store, version) if store is not None and version is not None else None


def lookup(key: tuple[Hashable, ...]) -> Any:
    """What is kept under ``key`` for the current data version, or None."""
    current = _version()
    if current is None:
        return None
    value = current[0].get((current[1], *key))
    return None if value is _MISSING else value


def keep(key: tuple[Hashable, ...], value: Any) -> None:
    """Keep ``value`` (immutable: it is shared by the process's threads) for this version."""
    current = _version()
    if current is not None:
        current[0].put((current[1], *key), value)


def remember(key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """The kept value under ``key``, or ``build()``'s, kept."""
    value = lookup(key)
    if value is None:
        value = build()
        keep(key, value)
    return value  # type: ignore[no-any-return]


def max_age() -> float:
    """Seconds an entry is kept at most (``READ_CACHE_SECONDS``); 0 when nothing is kept."""
    store = _store()
    return store.max_age if store is not None else 0.0


def kept_page(key: tuple[Hashable, ...], render: Callable[[], tuple[str, bool]]) -> str:
    """A whole HTML page kept under ``key``, or ``render()``'s (html, whether it may be kept).

    The page's forms carry this request's own CSRF token: the kept copy is rendered with a
    slot in its place, filled in for each request. A request with flashed messages waiting
    renders afresh and keeps nothing (the messages are its own)."""
    if _version() is None or "_flashes" in session:
        return render()[0]
    html = lookup(key)
    if html is None:
        html, keepable = _with_csrf_slot(render)
        if keepable:
            keep(key, html)
    return html.replace(_CSRF_SLOT, generate_csrf()) if _CSRF_SLOT in html else html


def _with_csrf_slot(render: Callable[[], tuple[str, bool]]) -> tuple[str, bool]:
    # Flask-WTF keeps the request's signed token in ``g`` and hands it to every form.
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    own = g.pop(name, _MISSING)
    setattr(g, name, _CSRF_SLOT)
    try:
        return render()
    finally:
        g.pop(name, None)
        if own is not _MISSING:
            setattr(g, name, own)


@dataclass(frozen=True)
class _Answer:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]


def keep_answers(blp: Blueprint, key: Callable[[], tuple[Hashable, ...] | None]) -> None:
    """Answer a blueprint's GET requests from the cache: ``key()`` names what the answer
    depends on besides the URL (None: not kept). The blueprint's other ``before_request``
    hooks (authentication) registered earlier still run on every request; so do the app's
    (rate limits) and every ``after_request`` (headers)."""

    def answer_kept() -> Response | None:
        if request.method != "GET" or any(h in request.headers for h in _CONDITIONAL):
            return None
        parts = key()
        if parts is None:
            return None
        full_key = ("answer", request.full_path, *parts)
        kept = lookup(full_key)
        if kept is None:
            g.read_cache_key = full_key
            return None
        g.read_cache_hit = True
        return Response(kept.body, status=kept.status, headers=list(kept.headers))

    def keep_answer(response: Response) -> Response:
        full_key = g.pop("read_cache_key", None)
        if (full_key is None or g.get("read_cache_hit") or response.status_code != 200
                or response.direct_passthrough or response.is_streamed
                or "Set-Cookie" in response.headers):
            return response
        body = response.get_data()
        if len(body) <= MAX_RESPONSE_BYTES:
            headers = tuple((k, v) for k, v in response.headers.items()
                            if k not in ("Content-Length", "Date"))
            keep(full_key, _Answer(body, response.status_code, headers))
        return response

    blp.before_request(answer_kept)
    blp.after_request(keep_answer)
