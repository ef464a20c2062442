"""Runs one measured domain call in a fresh process, so its time and peak memory are its own.

    python -m bench.child bulk|sweep DATABASE_URL JSON_ARGS   prints one JSON line
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import date, datetime
from typing import Any


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bulk(args: dict[str, Any]) -> dict[str, Any]:
    from bench.app import BulkRequest, assign_actions_in_bulk

    request = BulkRequest(program_id=args["program_id"], network_ids=tuple(args["network_ids"]),
                          region_codes=tuple(args["region_codes"]),
                          due_date=date.fromisoformat(args["due_date"]), title=args["title"])
    result = assign_actions_in_bulk(request, actor=None)
    return {"created": result.created}


def sweep(args: dict[str, Any]) -> dict[str, Any]:
    from bench.app import sweep_reminders

    result = sweep_reminders(datetime.fromisoformat(args["now"]))
    return {"actions": result.actions, "notifications": result.notifications,
            "overdue_events": result.overdue_events}


def sweep_warm(args: dict[str, Any]) -> dict[str, Any]:
    """The sweep as a long-lived worker runs it again: once to warm the process (its statements
    compiled, its modules loaded), then timed; its own ``seconds``."""
    sweep(args)
    started = time.perf_counter()
    found = sweep(args)
    return {**found, "seconds": time.perf_counter() - started}


JOBS = {"bulk": bulk, "sweep": sweep, "sweep_warm": sweep_warm}


def main() -> None:
    job, database_url, raw = sys.argv[1], sys.argv[2], sys.argv[3]
    from bench.app import create_app, db, load_config

    app = create_app(load_config({**os.environ, "DATABASE_URL": database_url}))
    with app.app_context():
        db.session.execute(db.select(1))  # connect before the clock starts
        db.session.rollback()
        before = rss_mb()
        started = time.perf_counter()
        found = JOBS[job](json.loads(raw))
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "rss_before_mb": before, "peak_rss_mb": peak, **found}))


if __name__ == "__main__":
    main()
