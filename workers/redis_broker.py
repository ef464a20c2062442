"""Keeps a worker alive when Redis dies under it: a closed broker connection raises the
connection error it is, never an ``AttributeError``.

When the broker goes away, Celery's consumer closes its connection and reconnects. kombu's Redis
channel closes by giving its unacknowledged messages back to the broker; if the connection's
transport was already released (an earlier close that Redis's absence cut short), the channel
rebuilds its connection pool from the released transport and fails with ``AttributeError:
'NoneType' object has no attribute 'hostname'``. Celery's close ignores connection errors only,
so the ``AttributeError`` stopped the whole worker ("Unrecoverable error"), in about one in
seven Redis restarts of ``tests/faults``. Raised as Redis's ``ConnectionError`` it is ignored
like the others: the consumer reconnects, and what Redis lost is planned again from the
database (README "Reliability").
"""
from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

_PATCHED_MARK = "_sinergi_closed_transport_is_a_connection_error"


def closed_transport_is_a_connection_error() -> None:
    """Install the check on kombu's Redis channel, once per process."""
    channel = kombu_redis.Channel
    if getattr(channel, _PATCHED_MARK, False):
        return
    connparams = channel._connparams

    def _connparams(self: Any, asynchronous: bool = False) -> Any:
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed")
        return connparams(self, asynchronous=asynchronous)

    channel._connparams = _connparams  # type: ignore[method-assign]
    setattr(channel, _PATCHED_MARK, True)
