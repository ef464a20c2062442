"""The rate limit counts a request and reads its window (for the headers) in one Redis round
trip, with the same answers as ``limits``' own moving window."""
from __future__ import annotations

import uuid
from typing import Any

import redis
from flask import Flask
from limits import parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from coordinator.extensions import limiter
from coordinator.moving_window import OneTripMovingWindow
from tests.api.conftest import World


class CountingConnection(redis.Connection):
    """A real connection to the test Redis that counts the commands it sends."""

    sent = 0

    def send_command(self, *args: Any, **kwargs: Any) -> None:
        CountingConnection.sent += 1
        super().send_command(*args, **kwargs)


def _storage(redis_url: str) -> RedisStorage:
    return RedisStorage(redis_url, connection_class=CountingConnection)


def _warm_up(*limiters: MovingWindowRateLimiter) -> None:
    """Connect and load the scripts (a first call sends more commands than later ones)."""
    for strategy in limiters:
        strategy.hit(parse("1 per second"), f"warm-up-{uuid.uuid4()}")
        strategy.get_window_stats(parse("1 per second"), f"warm-up-{uuid.uuid4()}")


def test_a_hit_and_its_window_cost_one_round_trip_and_answer_as_before(
    app: Flask, redis_url: str
) -> None:
    storage = _storage(redis_url)
    one_trip, plain = OneTripMovingWindow(storage), MovingWindowRateLimiter(storage)
    item, who = parse("2 per minute"), f"test-{uuid.uuid4()}"
    _warm_up(one_trip, plain)
    with app.test_request_context("/api/v1/networks"):
        CountingConnection.sent = 0
        answers = []
        for _ in range(3):
            answers.append(one_trip.hit(item, who))
            kept = one_trip.get_window_stats(item, who)
            read_again = plain.get_window_stats(item, who)
            assert kept.remaining == read_again.remaining
            assert abs(kept.reset_time - read_again.reset_time) < 1
        # One script call per hit; the plain reads beside them are the other three.
        assert CountingConnection.sent == 3 + 3
    assert answers == [True, True, False]
    assert plain.hit(item, who) is False  # the same list, counted by both


def test_the_window_is_kept_for_one_request_only(app: Flask, redis_url: str) -> None:
    storage = _storage(redis_url)
    one_trip = OneTripMovingWindow(storage)
    item, who = parse("5 per minute"), f"test-{uuid.uuid4()}"
    _warm_up(one_trip, MovingWindowRateLimiter(storage))
    with app.test_request_context("/"):
        one_trip.hit(item, who)
    with app.test_request_context("/"):
        one_trip.hit(item, who)
    with app.test_request_context("/"):
        CountingConnection.sent = 0
        assert one_trip.get_window_stats(item, who).remaining == 3
        assert CountingConnection.sent == 1  # read from Redis: nothing kept from before


def test_the_api_headers_count_down_to_429_through_redis(
    world: World, make_app, redis_url: str  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(api_rate_limit_per_minute=3, redis_url=redis_url)
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("LIMITS:LIMITER/sinergi/*"):
        client.delete(key)
    headers = {"Authorization": f"Bearer {world.tokens['cadre']}"}
    answers = [app.test_client().get("/api/v1/networks", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "3" for a in answers)
    assert answers[3].json["error"]["code"] == "rate_limited"
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60


def test_an_api_request_makes_one_redis_round_trip(
    world: World, make_app, redis_url: str  # type: ignore[no-untyped-def]
) -> None:
    app = make_app(api_rate_limit_per_minute=1000, redis_url=redis_url)
    with app.app_context():
        pool = limiter.limiter.storage.storage.connection_pool
    pool.connection_class = CountingConnection
    pool.reset()
    headers = {"Authorization": f"Bearer {world.tokens['cadre']}"}
    client = app.test_client()
    assert client.get("/api/v1/networks", headers=headers).status_code == 200  # connects
    CountingConnection.sent = 0
    answer = client.get("/api/v1/networks", headers=headers)
    assert answer.status_code == 200 and answer.headers["X-RateLimit-Remaining"] == "998"
    assert CountingConnection.sent == 1
