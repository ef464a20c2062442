"""B3: the reminder sweep over 100,000 due actions (reminders, overdue notices, escalations to
coordinators and kecamatan leads), and the same sweep again with nothing left to do: timed in a
process that has swept before, as beat's next run finds its long-lived worker (Celery's prefork
children are not recycled), and, for information, in a fresh process (cold: every statement
compiled and every module loaded on first use).

Baselines: writing the same rows the sweep wrote (notifications, overdue marks, events) again
with one INSERT ... SELECT per table into the same tables; for the empty sweep, the index scan over
actions(status, due_at) for actions that fell due since the previous sweep (none)."""
from __future__ import annotations

import time
from datetime import timedelta

from bench import data
from bench.context import Context, app_on, run_child
from bench.data import sql
from bench.report import Row, ms, percentile, ratio, secs

REGION = "31"
COPIES = (("notifications", "id"), ("action_overdue_marks", "action_id"), ("events", "id"))


def run(ctx: Context) -> list[Row]:
    count = ctx.n(100_000, 200)
    with ctx.database("b3") as url:
        with app_on(ctx, url):
            staff = data.add_staff(REGION)
            data.add_cadres(ctx.n(10_000, 100), REGION + ".")
            data.add_coordinators_and_leads(REGION + ".")
            program = data.add_program(staff.admin_id, REGION)
            data.add_actions(program, count, REGION + ".", due_from=data.NOW - timedelta(days=9),
                             due_to=data.NOW + timedelta(hours=20))
            data.analyze()
        now = data.NOW.isoformat()
        first = run_child(ctx, "sweep", url, {"now": now})
        again = run_child(ctx, "sweep", url, {"now": now})  # a fresh process: cold
        warm = run_child(ctx, "sweep_warm", url, {"now": now})  # as beat's next run finds it
        with app_on(ctx, url):
            raw = _raw_write()
            scans = [_empty_scan() for _ in range(7)]
    empty_scan = percentile(scans, 50)
    return [
        Row("B3", f"reminder sweep, {count:,} due actions", secs(first["seconds"]),
            f"{secs(raw)} raw INSERT…SELECT of its rows", ratio(first["seconds"], raw),
            "ratio ≤ 3", first["seconds"] <= 3 * raw,
            f"{first['actions']:,} actions read, {first['notifications']:,} notifications, "
            f"{first['overdue_events']:,} ActionOverdue"),
        Row("B3", "reminder sweep peak memory (process RSS)", f"{first['peak_rss_mb']:.0f} MB",
            f"{first['rss_before_mb']:.0f} MB before the sweep", "-", "≤ 250 MB",
            first["peak_rss_mb"] <= 250),
        Row("B3", "empty re-sweep (nothing to do), in a worker process that swept before",
            ms(warm["seconds"]), f"{ms(empty_scan)} index scan finding nothing",
            ratio(warm["seconds"], empty_scan), "≤ 50 ms", warm["seconds"] <= 0.050,
            f"{warm['actions']:,} actions read, {warm['notifications']} new notifications"),
        Row("B3", "empty re-sweep in a fresh process (information: statements compiled, "
            "modules loaded on first use)", ms(again["seconds"]), "-", "-", "-", None,
            f"{again['actions']:,} actions read, {again['notifications']} new notifications"),
    ]


def _raw_write() -> float:
    """Write the sweep's rows again, set-based, into the same tables (same indexes, keys and
    foreign keys): set aside, delete, then one INSERT ... SELECT per table, one commit."""
    for table, _ in COPIES:
        sql(f"CREATE TEMP TABLE saved_{table} AS SELECT * FROM {table}")
        sql(f"DELETE FROM {table}")
    data.db.session.commit()
    started = time.perf_counter()
    for table, _ in COPIES:
        sql(f"INSERT INTO {table} SELECT * FROM saved_{table}")
    data.db.session.commit()
    return time.perf_counter() - started


def _empty_scan() -> float:
    started = time.perf_counter()
    sql("SELECT id FROM actions WHERE status = 'open' AND due_at > :last AND due_at <= :now",
        last=data.naive(data.NOW), now=data.naive(data.NOW)).all()
    elapsed = time.perf_counter() - started
    data.db.session.rollback()
    return elapsed
