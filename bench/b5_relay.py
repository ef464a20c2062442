"""B5: the outbox relay. Throughput: a backlog of events published by the relay task on a
real worker (one message per handler and 100 events), against a raw Celery publish loop of two
messages per event (what the relay sent before batching: its floor then) to the same broker. Lag: completions at 200/s through the domain function, each commit asking for a
relay as the web does, with a worker on the default and rollups queues: the time from an
event's commit to its publication (and, for information, to its rollup being applied)."""
from __future__ import annotations

import json
import math
import subprocess
import time
from datetime import timedelta

from celery import Celery

from bench import data, services
from bench.app import RELAY_TASK
from bench.context import Context, app_on, python_bin, scalar
from bench.data import sql
from bench.report import Row, ms, percentile, ratio

CITY = "31.73"
RELAY_QUEUE = "bench_relay"  # the relay task alone on its worker: its handlers are not run
RATE = 200
PER_RELAY_TASK = 50_000  # publish_outbox's batches x batch size


def run(ctx: Context) -> list[Row]:
    backlog = ctx.n(10_000, 50)
    with ctx.database("b5") as url:
        with app_on(ctx, url):
            staff = data.add_staff(CITY)
            data.add_cadres(ctx.n(2_000, 50), CITY)
            program = data.add_program(staff.lead_id, CITY)
            data.add_actions(program, ctx.n(40_000, 400), CITY, due_from=data.NOW,
                             due_to=data.NOW + timedelta(days=30))
            data.add_action_history(data.NOW)
            _unpublished_events(backlog)
            data.analyze()
            lag_ids = data.open_action_ids(program, CITY, int(RATE * ctx.seconds * 2) + 50)
        ctx.flush_redis()
        env = ctx.environ(url, SINERGI_RELAY_ON_COMMIT="1")
        with services.celery_worker(ctx, env, RELAY_QUEUE):
            relay = _relay_backlog(ctx, url, backlog)
        ctx.flush_redis()
        raw = _raw_publish(ctx, backlog)
        ctx.flush_redis()
        with services.celery_worker(ctx, env, "default,relay,rollups"):
            drive = _drive(ctx, url, env, lag_ids, ctx.seconds * 2, 1 if ctx.tiny else DRIVERS)
            lags, applied = _lags(ctx, url, int(drive["first_event"]), 5 if ctx.tiny else 60)
        ctx.flush_redis()
    relay_rate, raw_rate = backlog / relay, backlog / raw
    achieved = drive["completed"] / drive["seconds"]
    p99 = percentile(lags, 99)
    paced = achieved >= 0.9 * RATE
    return [
        Row("B5", f"outbox relay, backlog of {backlog:,} events", f"{relay_rate:,.0f} events/s",
            f"{raw_rate:,.0f} events/s raw loop, 2 messages/event", ratio(relay_rate, raw_rate),
            "≥ 1,000 events/s", relay_rate >= 1000),
        Row("B5", f"relay lag p50 / p99 at {RATE} completions/s",
            f"{ms(percentile(lags, 50))} / {ms(p99)}", target="p99 ≤ 2 s at 200/s",
            met=p99 <= 2.0 and paced,
            note=f"{drive['completed']:,} completions by {drive['processes']} processes, {achieved:,.0f}/s "
                 f"achieved" + ("" if paced else ": the target rate was not reached")),
        Row("B5", "commit → rollup applied p50 / p99 (same run)",
            f"{ms(percentile(applied, 50))} / {ms(percentile(applied, 99))}",
            note=f"information; {len(applied):,} of {len(lags):,} applied within the wait"),
    ]


def _unpublished_events(count: int) -> None:
    sql("INSERT INTO events (type, aggregate_type, aggregate_id, payload, created_at) "
        "SELECT 'ActionCompleted', 'action', a.id, json_build_object('action_id', a.id, "
        "'program_id', a.program_id, 'kelurahan_code', a.kelurahan_code), now() "
        "FROM actions a ORDER BY a.id LIMIT :n", n=count)
    data.db.session.commit()


def _unpublished(ctx: Context, url: str) -> int:
    return int(scalar(url, "SELECT count(*) FROM events WHERE published_at IS NULL"))


def _relay_backlog(ctx: Context, url: str, backlog: int) -> float:
    client = Celery("bench-b5", broker=ctx.redis_url, set_as_current=False)
    started = time.perf_counter()
    for _ in range(math.ceil(backlog / PER_RELAY_TASK)):
        client.send_task(RELAY_TASK, queue=RELAY_QUEUE)
    while _unpublished(ctx, url) > 0:
        if time.perf_counter() - started > 600:
            raise RuntimeError("relay did not publish the backlog within 600 s")
        time.sleep(0.05)
    return time.perf_counter() - started


def _raw_publish(ctx: Context, backlog: int) -> float:
    """What the broker and the client take: two messages per event, one producer."""
    client = Celery("bench-b5-raw", broker=ctx.redis_url, set_as_current=False)
    with client.producer_or_acquire() as producer:  # connect before the clock starts
        started = time.perf_counter()
        for event_id in range(backlog):
            client.send_task("bench.handle", args=[event_id], queue="bench_raw_a", producer=producer)
            client.send_task("bench.apply", args=[event_id], queue="bench_raw_b", producer=producer)
        return time.perf_counter() - started


DRIVERS = 4  # as several web processes would: one process cannot complete 200 actions/s


def _drive(ctx: Context, url: str, env: dict[str, str], ids: list[int], seconds: float,
           processes: int) -> dict[str, float]:
    with app_on(ctx, url):
        first_event = int(sql("SELECT coalesce(max(id), 0) + 1 FROM events").scalar_one())
    drivers = [subprocess.Popen(
        [python_bin(), "-m", "bench.drive", url, str(RATE / processes), str(seconds),
         ",".join(map(str, ids[n::processes]))], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=ctx.work_dir) for n in range(processes)]
    results = []
    for driver in drivers:
        out, err = driver.communicate()
        if driver.returncode != 0:
            raise RuntimeError(f"bench.drive failed:\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return {"completed": sum(r["completed"] for r in results),
            "seconds": max(r["seconds"] for r in results), "first_event": first_event,
            "processes": processes}


def _lags(ctx: Context, url: str, first_event: int,
          wait: float) -> tuple[list[float], list[float]]:
    """Commit → published for every event of the drive (waiting up to ``wait`` s for the last)."""
    deadline = time.perf_counter() + wait
    while _unpublished(ctx, url) > 0 and time.perf_counter() < deadline:
        time.sleep(0.2)
    time.sleep(0 if ctx.tiny else 2)  # let the rollup handler catch up a little; what is still pending is counted
    with app_on(ctx, url):
        rows = sql(
            "SELECT extract(epoch FROM coalesce(e.published_at, now() at time zone 'utc') "
            "- e.created_at), extract(epoch FROM p.processed_at - e.created_at) FROM events e "
            "LEFT JOIN processed_events p ON p.event_id = e.id AND p.handler = 'rollups' "
            "WHERE e.id >= :first", first=first_event).all()
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows if r[1] is not None]
