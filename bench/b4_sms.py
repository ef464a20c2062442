"""B4: 10,000 SMS sent by a real worker (prefork, concurrency 2) to the loopback gateway
(``SMS_PROVIDER=http``), against as many no-op tasks on the same worker and queue.

The SMS go out as production's dispatch enqueues them (``send_batches``: ``SEND_BATCH_SIZE``
ids a task); the baseline stays one no-op task per message."""
from __future__ import annotations

import time
from typing import Any

import redis
from celery import Celery

from bench import data, services
from bench.app import SEND_SMS_TASK, send_batches
from bench.context import Context, app_on, scalar
from bench.report import Row, ratio
from bench.worker import NOOP_TASK

QUEUE = "notifications"
CITY = "31.73"


def run(ctx: Context) -> list[Row]:
    count = ctx.n(10_000, 10)
    with ctx.database("b4") as url:
        with app_on(ctx, url):
            staff = data.add_staff(CITY)
            data.add_cadres(count, CITY)
            program = data.add_program(staff.lead_id, CITY)
            data.add_actions(program, count, CITY, due_from=data.NOW + timedelta_days(5),
                             due_to=data.NOW + timedelta_days(20))
            ids = _pending_sms()
            batches = send_batches(ids)
            data.analyze()
        ctx.flush_redis()
        with services.loopback_sms(ctx) as gateway:
            env = ctx.environ(url, SMS_PROVIDER="http", SMS_GATEWAY_URL=gateway + "/send",
                              SMS_GATEWAY_ID_FIELD="message_id")
            with services.celery_worker(ctx, env, QUEUE) as _:
                client = Celery("bench-b4", broker=ctx.redis_url, set_as_current=False)
                noop = _drain(ctx, client, NOOP_TASK, list(range(count)), lambda: None)
                sms = _drain(ctx, client, SEND_SMS_TASK, batches, lambda: _sent(url, count))
            received = services.sms_received(gateway)
        ctx.flush_redis()
    noop_rate, sms_rate = count / noop, count / sms
    return [Row("B4", f"{count:,} SMS to the loopback gateway", f"{sms_rate:,.0f} msg/s",
                f"{noop_rate:,.0f} no-op tasks/s", ratio(sms_rate, noop_rate), "ratio ≥ 0.5",
                sms_rate >= 0.5 * noop_rate,
                f"{received:,} received by the gateway, {len(batches[0])} SMS a task")]


def timedelta_days(days: int) -> Any:
    from datetime import timedelta

    return timedelta(days=days)


def _pending_sms() -> list[int]:
    """One pending 'assigned' SMS per action, due now, body not yet rendered (as planned)."""
    return list(data.db.session.scalars(data.text(
        "INSERT INTO notifications (recipient_id, channel, kind, action_id, program_id, "
        "dedupe_key, body, status, attempts, scheduled_for, created_at) "
        "SELECT a.assignee_id, 'sms', 'assigned', a.id, a.program_id, "
        "concat_ws(:colon, 'assigned', 'a' || a.id, 'p' || a.assignee_id, 'sms', 'bench'), '', "
        "'pending', 0, now() - interval '1 minute', now() FROM actions a ORDER BY a.id "
        "RETURNING id"), {"colon": ":"}))


def _sent(url: str, count: int) -> bool:
    done = scalar(url, "SELECT count(*) FROM notifications WHERE status <> 'pending'")
    return bool(done >= count)


def _drain(ctx: Context, client: Celery, task: str, args: list[Any], finished: Any) -> float:
    """Seconds from the first publish until the queue is empty and ``finished()`` holds."""
    broker = redis.Redis.from_url(ctx.redis_url)
    started = time.perf_counter()
    with client.producer_or_acquire() as producer:
        for value in args:
            client.send_task(task, args=[value], queue=QUEUE, producer=producer)
    deadline = started + 600
    while time.perf_counter() < deadline:
        if broker.llen(QUEUE) == 0 and broker.hlen("unacked") == 0 and finished() is not False:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise RuntimeError(f"{task}: not drained within 600 s")
