"""The SMS providers are spoken to over one kept-alive connection per worker process."""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.wrappers import Request, Response

from coordinator.channels import transmit
from coordinator.channels.http_session import http_session
from tests.channels.conftest import app_with, make_notification, make_person
from tests.channels.fakes import FakeGateway, FakeTwilio, serve
from tests.channels.test_sms_providers import TEXT, gateway_config, twilio_config


def recording_peers(provider: Callable[[Request], Response],
                    peers: list[tuple[str, int]]) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        peers.append((request.environ["REMOTE_ADDR"], int(request.environ["REMOTE_PORT"])))
        return provider(request)
    return handler


@pytest.mark.parametrize(("provider", "config", "received"), [
    (FakeGateway, gateway_config, "delivered"),
    (FakeTwilio, twilio_config, "created"),
], ids=["gateway", "twilio"])
def test_every_sms_to_the_provider_goes_over_one_kept_alive_connection(
    world: Flask, make_app: Callable[..., Flask], provider: Callable[[], Any],
    config: Callable[[str], dict[str, Any]], received: str,
) -> None:
    fake, peers = provider(), list[tuple[str, int]]()
    with serve(recording_peers(fake, peers)) as base, app_with(make_app, **config(base)):
        for n in range(3):
            transmit(make_notification(make_person(phone=f"+628123456789{n}"), body=TEXT))
    assert len(getattr(fake, received)) == 3 and len(set(peers)) == 1, peers


def _child_uses_its_own(parents: object, answer: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    mine = http_session()
    answer.put((mine is not parents, mine is http_session()))


def test_a_forked_worker_process_makes_its_own_session_and_keeps_it() -> None:
    parents = http_session()
    assert http_session() is parents
    fork = multiprocessing.get_context("fork")  # as Celery's prefork pool starts its children
    answer = fork.Queue()
    child = fork.Process(target=_child_uses_its_own, args=(parents, answer))
    child.start()
    child.join(timeout=30)
    assert answer.get(timeout=5) == (True, True)
    assert http_session() is parents  # the parent's own is untouched
