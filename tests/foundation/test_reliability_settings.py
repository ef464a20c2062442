"""The timing settings hang together, and the web's relay request works on every broker."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from coordinator.config import Config, ConfigError, load_config
from coordinator.queue import client_settings, request_relay
from workers.celery_app import MAX_COUNTDOWN_SECONDS, TASK_TIME_LIMIT, broker_settings
from workers.sending import SHORT_RETRY_SECONDS

ENV = {"SINERGI_ENV": "test", "SECRET_KEY": "x" * 32}


def defaults(tmp_path: Path, **extra: str) -> Config:
    return load_config({**ENV, "SINERGI_INSTANCE_DIR": str(tmp_path), **extra})


def test_a_message_a_dead_worker_held_comes_back_only_after_every_live_task_ended(
    tmp_path: Path,
) -> None:
    config = defaults(tmp_path)
    visibility = config.broker_visibility_timeout_seconds
    assert visibility > TASK_TIME_LIMIT  # a running task is never handed to a second worker
    assert visibility > MAX_COUNTDOWN_SECONDS >= SHORT_RETRY_SECONDS  # nor a waiting retry
    assert config.send_lease_seconds >= 2 * config.channel_timeout_seconds + 5
    assert 60 <= visibility <= 900 and config.send_lease_seconds <= 600  # minutes, not an hour
    assert config.send_task_expires_seconds <= config.send_lease_seconds


def test_a_lease_shorter_than_a_send_can_take_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SEND_LEASE_SECONDS"):
        defaults(tmp_path, SEND_LEASE_SECONDS="20", CHANNEL_TIMEOUT_SECONDS="15")


def test_a_send_batch_takes_50_unless_told_and_the_lease_does_not_bound_it(
    tmp_path: Path,
) -> None:
    # A batch stops in time for its lease (tests/workers/test_sending.py), whatever its size.
    assert defaults(tmp_path).send_batch_size == 50
    assert defaults(tmp_path, SEND_BATCH_SIZE="4").send_batch_size == 4
    assert defaults(tmp_path, SEND_BATCH_SIZE="500", SEND_LEASE_SECONDS="35").send_batch_size \
        == 500
    with pytest.raises(ConfigError, match="SEND_BATCH_SIZE must be a whole number; got 'lots'"):
        defaults(tmp_path, SEND_BATCH_SIZE="lots")
    with pytest.raises(ConfigError, match="SEND_BATCH_SIZE must be between 1 and 500; got 0"):
        defaults(tmp_path, SEND_BATCH_SIZE="0")
    with pytest.raises(ConfigError, match="SEND_BATCH_SIZE must be between 1 and 500; got 501"):
        defaults(tmp_path, SEND_BATCH_SIZE="501")


def test_the_web_publisher_gets_only_options_its_transport_understands() -> None:
    redis = client_settings("redis://127.0.0.1:6379/0")
    assert redis["broker_transport_options"]["socket_timeout"] == 2
    embedded = client_settings("sqla+sqlite:////tmp/broker.db")
    assert "socket_timeout" not in str(embedded)
    assert embedded["broker_transport_options"] == {"connect_args": {"timeout": 5}}
    assert broker_settings("sqla+sqlite:////tmp/b.db")["broker_url"] == "sqlite:////tmp/b.db"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_relay_on_commit_reaches_the_embedded_broker(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    broker = tmp_path / "broker.db"
    app = make_app(broker_url=f"sqla+sqlite:///{broker}", relay_on_commit=True)
    with app.app_context():
        assert request_relay() is True
    engine = create_engine(f"sqlite:///{broker}")
    with engine.connect() as conn:
        bodies = conn.execute(text("SELECT payload FROM kombu_message")).scalars().all()
    engine.dispose()
    assert len(bodies) == 1 and "sinergi.relay.publish_outbox" in bodies[0]
