"""A fixed-window rate limit per client: Redis when ``REDIS_URL`` is set, else process memory.

One counter per identity (token, person or IP address) and minute; over the limit the API
answers 429 with ``Retry-After``. Memory mode suits the embedded single-process default;
with several web processes set ``REDIS_URL`` so they share the counters.
"""
from __future__ import annotations

import threading
import time
from typing import Any

import redis
from flask import Flask, current_app

WINDOW_SECONDS = 60


class MemoryCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> int:
        with self._lock:
            if len(self._counts) > 50_000:  # old windows: drop them all, cheap and bounded
                self._counts.clear()
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]


class RedisCounter:
    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit(self, key: str) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS * 2)
        count, _ = pipe.execute()
        return int(count)


def init_app(app: Flask) -> None:
    url = app.extensions["sinergi"].redis_url
    app.extensions["sinergi_api_rate_counter"] = RedisCounter(url) if url else MemoryCounter()


def check(identity: str) -> int | None:
    """Count one request for ``identity``; returns seconds to wait when over the limit."""
    limit = current_app.extensions["sinergi"].api_rate_limit_per_minute
    counter: Any = current_app.extensions["sinergi_api_rate_counter"]
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    try:
        count = counter.hit(f"sinergi:api-rate:{identity}:{window}")
    except Exception:  # noqa: BLE001 - losing Redis must not take the API down
        current_app.logger.warning("rate limit store unavailable; request allowed")
        return None
    if count <= limit:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now))
