"""Commits ask for a relay, coalesced on a Redis broker: one pending relay at a time, and a
commit that comes after a relay has started reading the outbox always asks for the next one."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask

from coordinator.jobs import RELAY_OUTBOX
from coordinator.queue import (
    RELAY_PENDING_KEY,
    RELAY_REQUEST_WINDOW_MS,
    relay_started,
    request_relay,
)

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def broker(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    client.delete(RELAY_PENDING_KEY, RELAY_OUTBOX.queue)
    yield client
    client.delete(RELAY_PENDING_KEY, RELAY_OUTBOX.queue)
    client.close()


@pytest.fixture
def web(make_app: Callable[..., Flask], redis_url: str) -> Iterator[Flask]:
    app = make_app(broker_url=redis_url, relay_on_commit=True)
    with app.app_context():
        yield app


def relays_queued(broker: redis.Redis) -> int:
    return int(broker.llen(RELAY_OUTBOX.queue))


def test_commits_while_a_relay_is_pending_ask_for_it_once(web: Flask, broker: redis.Redis) -> None:
    assert all(request_relay() for _ in range(5))
    assert relays_queued(broker) == 1


def test_a_commit_after_the_relay_started_asks_for_another(web: Flask, broker: redis.Redis) -> None:
    request_relay()
    relay_started()  # it reads the outbox from now on: a later commit may be too late for it
    request_relay()
    request_relay()
    assert relays_queued(broker) == 2


def test_a_lost_relay_holds_back_the_next_request_only_for_the_window(
    web: Flask, broker: redis.Redis,
) -> None:
    request_relay()
    broker.delete(RELAY_OUTBOX.queue)  # the broker lost the message; no relay will start
    time.sleep(RELAY_REQUEST_WINDOW_MS / 1000 + 0.2)
    request_relay()
    assert relays_queued(broker) == 1
