"""The embedded broker: Celery's SQLAlchemy transport on SQLite, polled more often.

kombu polls a database broker, sleeping ``polling_interval`` (1 s) whenever it cannot take a
message, which with ``prefetch 1`` is after every message: a worker then ran one task a second.
A tenth of a second keeps it busy; the polls are cheap reads of a small local file.
"""
from __future__ import annotations

from kombu.transport.sqlalchemy import Transport


class EmbeddedSqlaTransport(Transport):  # type: ignore[misc]
    polling_interval = 0.1
