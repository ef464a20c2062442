"""Fault tests: real web, worker and beat processes on PostgreSQL and a private Redis (or the
embedded SQLite default), a loopback SMS provider and an SMTP sink recording every message.

Each scenario bulk-assigns one action to each of ~100 cadres over the API (one message each,
by SMS or email), injects its fault, and ends with exact counts: every expected message
delivered exactly once (uncertain sends counted and settled), zero rollup drift after a
recompute, and the dashboard's numbers equal to a direct SQL count. The counts are written to
``test-artifacts/faults/`` and printed; the README's reliability table is made from them.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.jobs import HANDLE_EVENT, SEND_NOTIFICATION, enqueue
from coordinator.models import Event, Notification, utcnow
from tests.channels.fakes import SID, TOKEN, FakeTwilio
from tests.faults.cluster import Cluster, deliveries, record, wait_until
from tests.faults.services import (
    FlakyGateway,
    HeldTwilio,
    PrivateRedis,
    SmtpSink,
    kill_group,
    provider,
    terminate_backends,
)

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.timeout(420)]
CADRES = 100
DEADLINE = 150  # seconds for a healed deployment to deliver everything (a bound, not a timing)


def twilio_env(base: str, smtp_port: int) -> dict[str, str]:
    return {"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM": "+15005550006", "TWILIO_API_BASE": base,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_TLS": "none"}


def gateway_env(base: str, smtp_port: int) -> dict[str, str]:
    return {"SMS_PROVIDER": "http", "SMS_GATEWAY_URL": f"{base}/send",
            "SMS_GATEWAY_TO_PARAM": "msisdn", "SMS_GATEWAY_TEXT_PARAM": "text",
            "SMS_GATEWAY_SUCCESS_RULE": "json:status=success",
            "SMS_GATEWAY_ID_FIELD": "data.message_id",
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_TLS": "none"}


def twilio_sms(fake: FakeTwilio) -> Counter[str]:
    return Counter(f"{m['to']}|{m['body']}" for m in fake.created)


def gateway_sms(fake: Any) -> Counter[str]:
    return Counter(m["idempotency_key"] for m in fake.delivered)


def expected_with(cluster: Cluster, sms_key: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
    messages = cluster.expected_messages()
    for message in messages:
        message["sms_key"] = sms_key(message)
    return messages


def wait_all_sent(cluster: Cluster, actions: int) -> None:
    wait_until(lambda: cluster.all_sent(actions), DEADLINE,
               lambda: f"{actions} messages to be sent (now: {cluster.statuses()})")


def settle_and_check(cluster: Cluster, world: dict[str, Any], actions: int,
                     sms: Callable[[], Counter[str]], sink: SmtpSink | None,
                     sms_key: Callable[[dict[str, Any]], str], **extra: Any) -> dict[str, Any]:
    """Wait (with a deadline) until everything is sent and every event handled, then count."""
    wait_all_sent(cluster, actions)
    wait_until(cluster.all_handled, DEADLINE,
               lambda: f"every event to be handled ({cluster.unhandled()} left)")
    expected = expected_with(cluster, sms_key)
    counts = deliveries(expected, sms(), sink.per_notification() if sink else Counter())
    uncertain = cluster.uncertain()
    counts.update(
        uncertain_attempts=uncertain.attempts, uncertain_confirmed=uncertain.confirmed,
        uncertain_resent=uncertain.resent, uncertain_unresolved=uncertain.unresolved,
        drift=cluster.recompute_drift(), **cluster.dashboard_matches_sql(world["program_id"]),
        dead_letters=len(cluster.dead_letters()), **extra)
    return counts


def assert_exact(counts: dict[str, Any], actions: int) -> None:
    assert counts["expected"] == actions
    assert counts["delivered_once"] == actions and counts["lost"] == 0
    assert counts["duplicated"] == 0 and counts["stray"] == 0
    assert counts["uncertain_unresolved"] == 0
    assert counts["drift"] == 0
    assert counts["dashboard"] == counts["sql"]


def start_postgres_redis(make_cluster: Callable[..., Cluster], scenario_db: tuple[str, str],
                         redis: PrivateRedis, env: dict[str, str]) -> tuple[Cluster, dict[str, Any]]:
    cluster = make_cluster(scenario_db[0], redis.url, **env)
    world = cluster.seed(CADRES)
    cluster.start_web()
    return cluster, world


def complete_half(cluster: Cluster, ids: list[int], threads: int = 4) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(cluster.complete, ids[::2]))


def test_two_beats_send_every_message_once(
    make_cluster: Callable[..., Cluster], scenario_db: tuple[str, str],
    private_redis: PrivateRedis, smtp: tuple[SmtpSink, int],
) -> None:
    fake = FakeTwilio()
    with provider(fake) as base:
        cluster, world = start_postgres_redis(make_cluster, scenario_db, private_redis,
                                              twilio_env(base, smtp[1]))
        cluster.start_worker()
        cluster.start_beat("beat-1")
        cluster.start_beat("beat-2")
        actions = cluster.bulk_assign(world)
        wait_all_sent(cluster, actions)
        completions = complete_half(cluster, cluster.action_ids())
        counts = settle_and_check(cluster, world, actions, lambda: twilio_sms(fake), smtp[0],
                                  lambda m: f"{m['phone']}|{m['body']}")
    assert all(c["changed"] for c in completions)
    assert "beat-2" in cluster.processes and cluster.processes["beat-2"].poll() is None
    record("two_beats", counts)
    assert_exact(counts, actions)
    assert counts["dead_letters"] == 0
