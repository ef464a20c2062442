"""Fault tests: real web, worker and beat processes on PostgreSQL and a private Redis (or the
embedded SQLite default), a loopback SMS provider and an SMTP sink recording every message.

Each scenario bulk-assigns one action to each of 30 cadres over the API (one message each,
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
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.jobs import HANDLE_EVENTS, SEND_NOTIFICATION, enqueue
from coordinator.models import Event, Notification, utcnow
from tests.channels.fakes import SID, TOKEN, FakeTwilio
from tests.faults.cluster import (
    DEADLINE,
    Cluster,
    assert_exact,
    complete_half,
    deliveries,
    expected_with,
    record,
    wait_all_sent,
    wait_until,
)
from tests.faults.conftest import Scenario
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
FIRST_FEW = 5  # messages out before a fault that should strike in the middle of the burst


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


def settle_and_check(cluster: Cluster, world: dict[str, Any], actions: int,
                     sms: Callable[[], Counter[str]], sink: SmtpSink | None,
                     sms_key: Callable[[dict[str, Any]], str], **extra: Any) -> dict[str, Any]:
    """Wait (with a deadline) until everything is sent and every event handled, then count."""
    wait_all_sent(cluster, actions)
    wait_until(cluster.all_handled, DEADLINE,
               lambda: f"every event to be handled ({cluster.unhandled()} left)\n"
                       f"{cluster.diagnosis()}")
    expected = expected_with(cluster, sms_key)
    counts = deliveries(expected, sms(), sink.per_notification() if sink else Counter())
    uncertain, letters = cluster.uncertain(), cluster.dead_letters()
    counts.update(
        uncertain_attempts=uncertain.attempts, uncertain_confirmed=uncertain.confirmed,
        uncertain_resent=uncertain.resent, uncertain_unresolved=uncertain.unresolved,
        drift=cluster.recompute_drift(), **cluster.dashboard_matches_sql(world["program_id"]),
        dead_letters=len(letters), dead_letter_errors=[list(d) for d in letters[:5]], **extra)
    return counts


def on_postgres_redis(make_cluster: Callable[..., Cluster], scenario: Scenario,
                      redis: PrivateRedis, env: dict[str, str]) -> tuple[Cluster, dict[str, Any]]:
    """The deployment on the scenario's seeded database and the private Redis (not started)."""
    return make_cluster(scenario.url, redis.url, **env), scenario.world


def test_two_beats_send_every_message_once(
    make_cluster: Callable[..., Cluster], scenario_db: Scenario,
    private_redis: PrivateRedis, smtp: tuple[SmtpSink, int],
) -> None:
    fake = FakeTwilio()
    with provider(fake) as base:
        cluster, world = on_postgres_redis(make_cluster, scenario_db, private_redis,
                                           twilio_env(base, smtp[1]))
        cluster.start_all("beat-1", "beat-2")
        actions = cluster.bulk_assign(world)
        wait_all_sent(cluster, actions)
        completions = complete_half(cluster, cluster.action_ids())
        counts = settle_and_check(cluster, world, actions, lambda: twilio_sms(fake), smtp[0],
                                  lambda m: f"{m['phone']}|{m['body']}")
    assert all(c["changed"] for c in completions)
    assert "beat-2" in cluster.processes and cluster.processes["beat-2"].poll() is None
    record("two_beats", counts)
    assert_exact(counts, actions)
    assert counts["dead_letters"] == 0, counts["dead_letter_errors"]


def test_a_worker_killed_mid_send_leaves_nothing_behind_and_sends_nothing_twice(
    make_cluster: Callable[..., Cluster], scenario_db: Scenario,
    private_redis: PrivateRedis, smtp: tuple[SmtpSink, int],
) -> None:
    fake = HeldTwilio(hold=2)  # the first two SMS are taken by Twilio, their answers held
    # Time enough for the test to see both sends held and kill the worker before they time out.
    slow = {"CHANNEL_TIMEOUT_SECONDS": "6", "SEND_LEASE_SECONDS": "17"}
    with provider(fake) as base:
        cluster, world = on_postgres_redis(make_cluster, scenario_db, private_redis,
                                              {**twilio_env(base, smtp[1]), **slow})
        cluster.start_all("beat")
        worker = cluster.processes["worker"]
        actions = cluster.bulk_assign(world)
        wait_until(lambda: fake.in_flight == 2, DEADLINE, "two sends in flight at Twilio")
        kill_group(worker)  # SIGKILL, mid-send: Twilio has the messages, Sinergi no answer
        fake.release.set()
        cluster.start_worker("worker-2")
        counts = settle_and_check(cluster, world, actions, lambda: twilio_sms(fake), smtp[0],
                                  lambda m: f"{m['phone']}|{m['body']}", killed_mid_send=2)
    counts["twilio_lookups"] = fake.lookups
    record("worker_sigkill_mid_send", counts)
    assert_exact(counts, actions)
    # Every message the killed batches had claimed was in flight: past the lease each is
    # uncertain and Twilio is asked. The two it had taken are confirmed, not sent again; the
    # others, which never reached it, are sent once.
    assert counts["uncertain_confirmed"] == 2
    assert counts["uncertain_attempts"] == 2 + counts["uncertain_resent"] == counts["twilio_lookups"]
    assert counts["dead_letters"] == 0, counts["dead_letter_errors"]


def test_redis_killed_and_restarted_empty_loses_nothing_and_the_worker_reconnects(
    make_cluster: Callable[..., Cluster], scenario_db: Scenario,
    private_redis: PrivateRedis, smtp: tuple[SmtpSink, int],
) -> None:
    fake = FakeTwilio()
    with provider(fake) as base:
        cluster, world = on_postgres_redis(make_cluster, scenario_db, private_redis,
                                           twilio_env(base, smtp[1]))
        cluster.start_all("beat")
        worker, beat = cluster.processes["worker"], cluster.processes["beat"]
        actions = cluster.bulk_assign(world)
        wait_until(lambda: cluster.notifications(Notification.status == "sent") >= FIRST_FEW,
                   DEADLINE, "the first messages to go out")
        private_redis.kill()  # every queue, every unacknowledged message: gone
        lost_at = cluster.notifications(Notification.status == "sent")
        time.sleep(2)
        private_redis.start()  # empty
        wait_all_sent(cluster, actions)
        completions = complete_half(cluster, cluster.action_ids())
        counts = settle_and_check(cluster, world, actions, lambda: twilio_sms(fake), smtp[0],
                                  lambda m: f"{m['phone']}|{m['body']}",
                                  sent_when_redis_died=lost_at)
    assert worker.poll() is None and beat.poll() is None  # the same processes, reconnected
    assert cluster.log("worker").count("Connected to redis://") >= 2
    assert all(c["changed"] for c in completions)
    record("redis_sigkill_restart_empty", counts)
    assert_exact(counts, actions)
    assert counts["dead_letters"] == 0, counts["dead_letter_errors"]


def test_a_flaky_gateway_with_timeouts_gets_each_sms_once_by_its_idempotency_key(
    make_cluster: Callable[..., Cluster], scenario_db: Scenario,
    private_redis: PrivateRedis, smtp: tuple[SmtpSink, int],
) -> None:
    fake = FlakyGateway(errors_in_ten=3, late_in_ten=1, late_seconds=5)
    with provider(fake) as base:
        cluster, world = on_postgres_redis(make_cluster, scenario_db, private_redis,
                                              gateway_env(base, smtp[1]))
        cluster.start_all("beat")
        actions = cluster.bulk_assign(world)
        counts = settle_and_check(cluster, world, actions, lambda: gateway_sms(fake), smtp[0],
                                  lambda m: f"sinergi-{m['id']}")
        counts.update(gateway_500s=len(fake.errors), gateway_late=len(fake.late),
                      gateway_requests=len(fake.requests))
    record("flaky_gateway", counts)
    assert_exact(counts, actions)
    assert counts["gateway_500s"] > 0 and counts["gateway_late"] > 0
    # Every late answer was an uncertain send, settled by sending again under the same key.
    assert counts["uncertain_attempts"] == counts["gateway_late"]
    assert counts["uncertain_resent"] == counts["gateway_late"]
    assert counts["dead_letters"] == 0, counts["dead_letter_errors"]


def test_poison_events_and_tasks_become_dead_letters_without_blocking_the_rest(
    make_cluster: Callable[..., Cluster], scenario_db: Scenario,
    private_redis: PrivateRedis, smtp: tuple[SmtpSink, int],
) -> None:
    fake = FakeTwilio()
    with provider(fake) as base:
        cluster, world = on_postgres_redis(make_cluster, scenario_db, private_redis,
                                           twilio_env(base, smtp[1]))
        with cluster.app.app_context():
            db.session.add_all([
                Event(type="ActionTeleported", aggregate_type="program", aggregate_id=1,
                      payload={"program_id": 1}, created_at=utcnow()),
                Event(type="ActionAssigned", aggregate_type="action", aggregate_id=999999,
                      payload={"kelurahan_code": "31.73.04.1001"}, created_at=utcnow()),
            ])
            db.session.commit()
            db.session.remove()
        sender = Celery("poison", broker=private_redis.url, set_as_current=False)
        enqueue(sender, SEND_NOTIFICATION, "not-a-number")
        enqueue(sender, HANDLE_EVENTS, 999999)  # a bare id, as sent before batching
        sender.send_task("sinergi.no_such_task", args=[1], queue="default")
        sender.close()
        cluster.start_all("beat")
        actions = cluster.bulk_assign(world)
        wait_all_sent(cluster, actions)
        wait_until(lambda: cluster.unhandled() == 2, DEADLINE,
                   lambda: f"all but the two poison events handled ({cluster.unhandled()} left)")
        wait_until(lambda: len(cluster.dead_letters()) == 5, DEADLINE,
                   lambda: f"five dead letters (now {cluster.dead_letters()})")
        expected = expected_with(cluster, lambda m: f"{m['phone']}|{m['body']}")
        counts = deliveries(expected, twilio_sms(fake), smtp[0].per_notification())
        letters = sorted(cluster.dead_letters())
        counts.update(drift=cluster.recompute_drift(), dead_letters=len(letters),
                      poisoned=5, **cluster.dashboard_matches_sql(world["program_id"]),
                      uncertain_unresolved=cluster.uncertain().unresolved)
    record("poison_event_and_task", counts)
    assert_exact(counts, actions)
    assert [name for name, _ in letters] == sorted([
        "sinergi.events.handle", "sinergi.events.handle", "sinergi.events.handle",
        "sinergi.notifications.send", "sinergi.no_such_task"])
    errors = " | ".join(error for _, error in letters)
    assert "unknown type 'ActionTeleported'" in errors and "malformed payload" in errors
    assert "does not exist" in errors and "invalid literal for int()" in errors
    assert "unregistered task" in errors


def test_postgresql_connection_loss_loses_nothing_and_doubles_nothing(
    make_cluster: Callable[..., Cluster], scenario_db: Scenario,
    private_redis: PrivateRedis, smtp: tuple[SmtpSink, int],
) -> None:
    fake = FakeTwilio()
    url, name = scenario_db.url, scenario_db.name
    with provider(fake) as base:
        cluster, world = on_postgres_redis(make_cluster, scenario_db, private_redis,
                                           twilio_env(base, smtp[1]))
        cluster.start_all("beat")
        actions = cluster.bulk_assign(world)
        wait_until(lambda: cluster.notifications(Notification.status == "sent") >= FIRST_FEW,
                   DEADLINE, "the first messages to go out")
        killed = 0
        for _ in range(3):
            killed += terminate_backends(url, name)
            time.sleep(1)
        wait_all_sent(cluster, actions)
        stop = threading.Event()

        def keep_cutting() -> None:
            nonlocal killed
            while not stop.wait(1.5):
                killed += terminate_backends(url, name)

        cutter = threading.Thread(target=keep_cutting)
        cutter.start()
        try:
            completions = complete_half(cluster, cluster.action_ids())
        finally:
            stop.set()
            cutter.join()
        counts = settle_and_check(
            cluster, world, actions, lambda: twilio_sms(fake), smtp[0],
            lambda m: f"{m['phone']}|{m['body']}", backends_terminated=killed,
            requests_answered_5xx=sum(1 for c in completions for s in c["seen"]
                                      if isinstance(s, int) and s >= 500),
            committed_then_cut=sum(1 for c in completions if c["replayed"]))
        once = cluster.count(select(func.count(func.distinct(Event.aggregate_id))).where(
            Event.type == "ActionCompleted"))
        total = cluster.count(select(func.count()).select_from(Event).where(
            Event.type == "ActionCompleted"))
    record("postgresql_connection_loss", counts)
    assert_exact(counts, actions)
    assert killed > 0 and all(c["changed"] is not None for c in completions)
    assert once == total == len(completions)  # each completion recorded exactly once
    assert counts["dashboard"]["done"] == len(completions)


def test_web_killed_after_a_burst_of_completions_loses_and_doubles_nothing(
    make_cluster: Callable[..., Cluster], scenario_db: Scenario,
    private_redis: PrivateRedis, smtp: tuple[SmtpSink, int],
) -> None:
    fake = FakeTwilio()
    with provider(fake) as base:
        cluster, world = on_postgres_redis(make_cluster, scenario_db, private_redis,
                                           twilio_env(base, smtp[1]))
        cluster.start_all("beat")
        actions = cluster.bulk_assign(world)
        wait_all_sent(cluster, actions)
        ids = cluster.action_ids()[::2]
        answered: list[int] = []

        def client(action_id: int) -> dict[str, Any]:
            outcome = cluster.complete(action_id, attempts=60)
            answered.append(action_id)
            return outcome

        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(client, action_id) for action_id in ids]
            wait_until(lambda: len(answered) >= len(ids) // 4, DEADLINE, "a quarter answered")
            kill_group(cluster.processes["web"])  # SIGKILL in the middle of the burst
            cut_at = len(answered)
            cluster.start_web()
            completions = [f.result() for f in futures]
        counts = settle_and_check(
            cluster, world, actions, lambda: twilio_sms(fake), smtp[0],
            lambda m: f"{m['phone']}|{m['body']}", answered_before_kill=cut_at,
            committed_then_cut=sum(1 for c in completions if c["replayed"]),
            retried_requests=sum(len(c["seen"]) - 1 for c in completions))
        total = cluster.count(select(func.count()).select_from(Event).where(
            Event.type == "ActionCompleted"))
    record("web_sigkill_after_burst", counts)
    assert_exact(counts, actions)
    assert all(c["changed"] is not None for c in completions)
    assert total == len(ids) and counts["dashboard"]["done"] == len(ids)
