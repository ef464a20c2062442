"""The moving-window rate limit in one Redis round trip per request.

Flask-Limiter counts a request with one Lua call (``hit``) and, to write the ``X-RateLimit-*``
and ``Retry-After`` headers, reads the window with a second one after the view ran. Here one
script does both: it takes the hit exactly as ``limits``' ``acquire_moving_window.lua`` does,
then reads the window as its ``moving_window.lua`` does, and the window is kept on the request
for the headers. The answers are the same; the window is read right after the hit instead of
after the view, so under concurrent requests of the same client it can be a few hits older.
"""
from __future__ import annotations

import time
from typing import Any

from flask import has_request_context, request
from limits import RateLimitItem
from limits.storage import RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter, RateLimiter
from limits.util import WindowStats

ENVIRON_KEY = "sinergi.rate_windows"

HIT_AND_READ_WINDOW = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local expiry = tonumber(ARGV[3])
local amount = tonumber(ARGV[4])

local acquired = 0
if amount <= limit then
    local entry = redis.call('lindex', KEYS[1], limit - amount)
    if not (entry and tonumber(entry) >= now - expiry) then
        local entries = {}
        for i = 1, amount do
            entries[i] = now
        end
        for i = 1, #entries, 5000 do
            redis.call('lpush', KEYS[1], unpack(entries, i, math.min(i + 4999, #entries)))
        end
        redis.call('ltrim', KEYS[1], 0, limit - 1)
        redis.call('expire', KEYS[1], expiry)
        acquired = 1
    end
end

-- The window after the hit: binary search for the oldest entry still inside it.
local target = now - expiry
local low, high, oldest = 0, limit - 1, nil
while low <= high do
    local mid = math.floor((low + high) / 2)
    local value = tonumber(redis.call('lindex', KEYS[1], mid))
    if value and value >= target then
        oldest = mid
        low = mid + 1
    else
        high = mid - 1
    end
end
if oldest then
    return {acquired, tostring(redis.call('lindex', KEYS[1], oldest)), oldest + 1}
end
return {acquired, false, 0}
"""


class OneTripMovingWindow(MovingWindowRateLimiter):
    """``limits``' moving window on Redis, whose hit also reads the window for the headers."""

    def __init__(self, storage: RedisStorage) -> None:
        super().__init__(storage)
        self.redis = storage
        self.script = storage.get_connection().register_script(HIT_AND_READ_WINDOW.encode())

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key = item.key_for(*identifiers)
        now, expiry = time.time(), item.get_expiry()
        acquired, oldest, count = self.script(
            [self.redis.prefixed_key(key)], [now, item.amount, expiry, cost])
        start = float(oldest) if oldest is not None else now
        _windows()[key] = WindowStats(start + expiry, item.amount - int(count))
        return bool(acquired)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """The window read by this request's hit, once; else from Redis."""
        kept = _windows().pop(item.key_for(*identifiers), None)
        return kept if kept is not None else super().get_window_stats(item, *identifiers)


def _windows() -> dict[str, Any]:
    # Kept in the WSGI environ, which belongs to one request (``g`` can outlive it in tests);
    # outside a request nothing is kept.
    if not has_request_context():
        return {}
    return request.environ.setdefault(ENVIRON_KEY, {})  # type: ignore[no-any-return]


def one_trip_limiter(storage: Storage | None, limiter: RateLimiter | None
                     ) -> RateLimiter | None:
    """``limiter`` with its moving window on plain Redis made one round trip; else as it is."""
    if type(storage) is RedisStorage and type(limiter) is MovingWindowRateLimiter:
        return OneTripMovingWindow(storage)
    return limiter
