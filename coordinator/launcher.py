"""``sinergi run-all``: web, Celery worker and Celery beat as one foreground program.

Each runs as a child process in its own session, so Ctrl-C reaches only this launcher,
which then stops all three in order. When any child dies, the others are stopped too.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from coordinator.extensions import db
from coordinator.models import Person
from coordinator.seeding.demo import DEMO_PASSWORD
from coordinator.seeding.demo_people import DEMO_EMAIL_DOMAIN

WORKER_QUEUES = "default,notifications,rollups"
STOP_TIMEOUT_S = 15


@dataclass(frozen=True)
class Role:
    name: str
    argv: list[str]


def roles(port: int, instance_dir: Path) -> list[Role]:
    """The three processes of the embedded deployment."""
    python = sys.executable
    return [
        Role("web", [python, "-m", "flask", "--app", "coordinator:create_app()", "run",
                     "--host", "127.0.0.1", "--port", str(port), "--with-threads", "--no-reload",
                     "--no-debugger"]),
        Role("worker", [python, "-m", "celery", "-A", "workers", "worker", "-Q", WORKER_QUEUES,
                        "--loglevel", "INFO", "--concurrency", "2", "--without-gossip",
                        "--without-mingle"]),
        Role("beat", [python, "-m", "celery", "-A", "workers", "beat", "--loglevel", "INFO",
                      "--schedule", str(instance_dir / "celerybeat-schedule")]),
    ]


class _Stop:
    requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def run_all(port: int | None = None) -> int:
    """Start every role, wait for Ctrl-C/SIGTERM or any child's exit, stop the rest."""
    config = current_app.extensions["sinergi"]
    port = port or config.web_port
    config.instance_dir.mkdir(parents=True, exist_ok=True)
    stop = _Stop()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    children = {role.name: subprocess.Popen(role.argv, start_new_session=True)
                for role in roles(port, config.instance_dir)}
    _announce(port)
    exited = _wait(children, stop)
    _stop_all(children)
    if exited:
        print(f"sinergi: {exited} exited; stopped the others.", file=sys.stderr, flush=True)
        return 1
    return 0


def _announce(port: int) -> None:
    print(f"\nSinergi is running at http://127.0.0.1:{port}/  (health: /healthz)", flush=True)
    logins = _demo_logins()
    if logins:

        print(f"Demo logins (password {DEMO_PASSWORD}): {', '.join(logins)}", flush=True)
    print("Press Ctrl-C to stop web, worker and beat.\n", flush=True)


def _demo_logins() -> list[str]:

    emails = [f"{name}@{DEMO_EMAIL_DOMAIN}" for name in ("admin", "kota", "tambora")]
    try:
        found = set(db.session.scalars(select(Person.email).where(Person.email.in_(emails))))
    except SQLAlchemyError:  # not migrated yet: the web page will say so
        db.session.rollback()
        return []
    finally:
        db.session.remove()
    return [email for email in emails if email in found]


def _wait(children: dict[str, subprocess.Popen[bytes]], stop: _Stop) -> str | None:
    while not stop.requested:
        for name, child in children.items():
            if child.poll() is not None:
                return name
        time.sleep(0.3)
    return None


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
