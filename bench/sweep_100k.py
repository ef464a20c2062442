"""Benchmark: one reminder sweep over 100,000 due actions, streamed, against baselines.

    .venv/bin/python bench/sweep_100k.py [--actions 100000] [--database-url URL]

Builds a throwaway database (SQLite in a temp dir unless ``--database-url`` names an empty
PostgreSQL database), inserts the actions set-based, then measures in the same run:
- time: the sweep against a plain ``SELECT count(*)`` over the same rows;
- peak Python memory (tracemalloc): the sweep against materialising every due row at once,
  which is what a non-streaming sweep would hold.
The machine is shared and noisy: read the ratios, not the seconds.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select


def measure(work: Any) -> tuple[float, int, Any]:
    tracemalloc.start()
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, result


def build(count: int, cadres: int) -> datetime:
    from coordinator.extensions import db
    from coordinator.models import Action, Person, Program, Region

    db.session.add_all([
        Region(code="31", name="DKI Jakarta", level="province"),
        Region(code="31.73", name="Jakarta Barat", level="city", parent_code="31"),
        Region(code="31.73.04", name="Tambora", level="kecamatan", parent_code="31.73"),
        Region(code="31.73.04.1001", name="Tanah Sereal", level="kelurahan",
               parent_code="31.73.04"),
    ])
    db.session.flush()
    owner = Person(name="Lead", role="lead", region_code="31.73", email="lead@bench.test")
    db.session.add(owner)
    db.session.flush()
    program = Program(title="Bench", category="prevention", year=2022, region_code="31.73",
                      owner_id=owner.id, status="active")
    db.session.add(program)
    db.session.execute(insert(Person), [
        {"name": f"Kader {n}", "role": "cadre", "region_code": "31.73.04.1001",
         "phone": f"+62812{n:08d}", "channel_preference": "sms", "language": "id"}
        for n in range(cadres)
    ])
    db.session.flush()
    ids = list(db.session.scalars(select(Person.id).where(Person.role == "cadre")))
    now = datetime(2022, 3, 16, 10, tzinfo=UTC)
    due = now - timedelta(hours=2)
    for start in range(0, count, 5000):
        db.session.execute(insert(Action), [
            {"program_id": program.id, "title": "Penyuluhan", "assignee_id": ids[n % len(ids)],
             "kelurahan_code": "31.73.04.1001", "due_at": due, "status": "open",
             "public_code": f"B{n:07d}", "created_at": due - timedelta(days=3),
             "updated_at": due - timedelta(days=3)}
            for n in range(start, min(start + 5000, count))
        ])
    db.session.commit()
    return now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--cadres", type=int, default=5_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from coordinator import create_app
    from coordinator.config import load_config
    from coordinator.extensions import db
    from coordinator.models import Action, Notification
    from coordinator.notifications.reminders import sweep_reminders

    instance = Path(tempfile.mkdtemp(prefix="sinergi-bench-"))
    url = args.database_url or f"sqlite:///{instance / 'bench.db'}"
    app = create_app(load_config({"SINERGI_ENV": "test", "SINERGI_INSTANCE_DIR": str(instance),
                                  "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123"}))
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = build(args.actions, args.cadres)
        due_rows = select(Action.id).where(Action.status == "open", Action.due_at <= now)
        count_time, _, counted = measure(
            lambda: db.session.scalar(select(func.count()).select_from(due_rows.subquery())))
        _, all_rows_peak, _ = measure(lambda: db.session.execute(
            select(Action.id, Action.program_id, Action.assignee_id, Action.kelurahan_code,
                   Action.due_at, Action.created_at).where(Action.status == "open")).all())
        db.session.rollback()
        sweep_time, sweep_peak, result = measure(lambda: sweep_reminders(now))
        made = db.session.scalar(select(func.count()).select_from(Notification))
        again_time, _, again = measure(lambda: sweep_reminders(now))
        if args.database_url:
            db.drop_all()
        db.engine.dispose()
    shutil.rmtree(instance, ignore_errors=True)
    print(f"due actions: {counted}; notifications planned: {result.notifications} "
          f"(in the table: {made}); ActionOverdue events: {result.overdue_events}")
    print(f"second sweep: {again.notifications} new notifications in {again_time:.1f} s")
    print(f"time:   sweep {sweep_time:.1f} s, SELECT count(*) {count_time * 1000:.0f} ms, "
          f"ratio {sweep_time / max(count_time, 1e-6):.0f}x")
    print(f"memory: sweep peak {sweep_peak / 2**20:.1f} MiB, all rows at once "
          f"{all_rows_peak / 2**20:.1f} MiB, ratio {sweep_peak / max(all_rows_peak, 1):.2f}")


if __name__ == "__main__":
    main()
