"""The embedded default under a burst: web, worker and beat on one SQLite file and the SQLite
broker, as ``make run`` starts them. Its own file, apart from the PostgreSQL and Redis
scenarios of ``test_faults.py``: it needs neither, and the two can run in parallel."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import DeliveryAttempt
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

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]
EMBEDDED_CADRES = 12


def test_the_embedded_default_handles_a_burst(
    make_cluster: Callable[..., Cluster], tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'sinergi.db'}"
    # The embedded broker polls a SQLite file: a few messages a second on this machine, so the
    # scenario is smaller, send tasks live a minute, and beat's relay runs only every 10 s:
    # events must reach the worker through the relay on commit.
    cluster = make_cluster(database, f"sqla+sqlite:///{tmp_path / 'broker.db'}",
                           SEND_TASK_EXPIRES_SECONDS="60", RELAY_INTERVAL_SECONDS="10",
                           DISPATCH_INTERVAL_SECONDS="5", RELIABILITY_CHECK_INTERVAL_SECONDS="10")
    world = cluster.seed(EMBEDDED_CADRES)
    cluster.start_all("beat")
    actions = cluster.bulk_assign(world)
    wait_all_sent(cluster, actions)
    completions = complete_half(cluster, cluster.action_ids())
    wait_until(cluster.all_handled, DEADLINE,
               lambda: f"every event to be handled ({cluster.unhandled()} left)\n"
                       f"{cluster.diagnosis()}")
    with cluster.app.app_context():
        sent_attempts = Counter(str(n) for n in db.session.scalars(
            select(DeliveryAttempt.notification_id).where(DeliveryAttempt.outcome == "sent")))
        db.session.remove()
    # The outbox is the sink here: a message went out once if exactly one attempt delivered it.
    expected = expected_with(cluster, lambda m: str(m["id"]))
    counts = deliveries(expected, sent_attempts, sent_attempts)
    counts.update(drift=cluster.recompute_drift(), uncertain_unresolved=0,
                  **cluster.dashboard_matches_sql(world["program_id"]),
                  relay_requests_refused=cluster.log("web").count("not requested"),
                  database_locked=sum(cluster.log(n).count("database is locked")
                                      for n in ("web", "worker", "beat")))
    record("embedded_sqlite_burst", counts)
    assert_exact(counts, actions)
    assert all(c["changed"] for c in completions)
    assert counts["relay_requests_refused"] == 0  # relay on commit works on the SQLite broker
    assert counts["database_locked"] == 0
