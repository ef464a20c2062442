"""One ``requests.Session`` per process for the SMS providers: kept-alive connections.

A new connection per SMS (``requests.request``) cost a TCP handshake, and a TLS one in
production, on every message. The session is made on first use in each process and never
shared with a forked child (Celery's prefork pool forks after start-up): a child that found
its parent's session makes its own, so two processes never write to one socket. Timeouts stay
per request (``CHANNEL_TIMEOUT_SECONDS``); a session has none of its own.
"""
from __future__ import annotations

import os

import requests

_sessions: dict[int, requests.Session] = {}


def http_session() -> requests.Session:
    """This process's session (made now if this process has none)."""
    pid = os.getpid()
    session = _sessions.get(pid)
    if session is None:
        _sessions.clear()  # a parent's session, inherited by fork: not ours to use or close
        session = _sessions[pid] = requests.Session()
    return session
