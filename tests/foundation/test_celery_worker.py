"""A real Celery worker process runs tasks from the embedded SQLite broker and from Redis,
and web and worker processes write to one SQLite file at once without "database is locked"."""
from __future__ import annotations

import random
import textwrap

import pytest
from celery import Celery
from sqlalchemy import func, select

from coordinator.domain.changes import record_audit
from coordinator.extensions import db
from coordinator.models import AuditEntry

WORKER_ARGS = ["-m", "celery", "-A", "workers", "worker", "-Q", "default", "--pool", "solo",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"]


def ping_entries(marker: int) -> int:
    db.session.rollback()  # a fresh snapshot: the worker writes from another process
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry)
        .where(AuditEntry.operation == "ping", AuditEntry.entity_id == marker)
    )


def run_ping_through(broker_url, app, python, process_env, start_process, wait_until):
    worker = start_process([python, *WORKER_ARGS], process_env(BROKER_URL=broker_url), "worker")
    marker = random.randrange(1, 2**31)
    sender = Celery("test-sender", broker=broker_url)
    sender.send_task("sinergi.ping", args=[marker], queue="default")
    wait_until(lambda: ping_entries(marker) or worker.poll() is not None, 90, "the ping to run")
    log = worker.log_path.read_text()
    assert worker.poll() is None, log
    assert ping_entries(marker) == 1
    assert "sinergi.ping" in log and "succeeded" in log
    sender.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_worker_runs_a_task_from_the_embedded_sqlite_broker(
    app, tmp_path, python, process_env, start_process, wait_until
):
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.db'}"
    run_ping_through(broker_url, app, python, process_env, start_process, wait_until)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_worker_runs_a_task_from_redis(
    app, redis_url, python, process_env, start_process, wait_until
):
    import redis

    redis.Redis.from_url(redis_url).delete("default")  # no stale messages from earlier runs
    run_ping_through(redis_url, app, python, process_env, start_process, wait_until)


WRITER = textwrap.dedent("""
    import pathlib, sys, time
    from coordinator import create_app
    from coordinator.domain.changes import record_audit
    from coordinator.extensions import db

    app = create_app()
    go = pathlib.Path(sys.argv[2])
    with app.app_context():
        db.session.execute(db.select(1))
        while not go.exists():
            time.sleep(0.01)
        for i in range(200):
            record_audit(None, "write", sys.argv[1], i, None, {"i": i})
            db.session.commit()
""")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_web_and_workers_write_one_sqlite_file_at_once(
    app, tmp_path, python, process_env, start_process, wait_until
):
    go = tmp_path / "go"
    writers = [start_process([python, "-c", WRITER, f"worker-{n}", str(go)], process_env(),
                             f"writer-{n}") for n in (1, 2)]
    go.touch()
    for i in range(200):
        record_audit(None, "write", "web", i, None, {"i": i})
        db.session.commit()
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.log_path.read_text()
    counts = dict(db.session.execute(
        select(AuditEntry.entity_type, func.count()).where(AuditEntry.operation == "write")
        .group_by(AuditEntry.entity_type)).all())
    assert counts == {"web": 200, "worker-1": 200, "worker-2": 200}

