"""``sinergi run-all``: web, Celery worker and Celery beat as one foreground program.

Each runs as a child process in its own session, so Ctrl-C reaches only this launcher,
which then stops all three in order. A role that dies (a worker that lost its broker for
good, a killed web server) is started again after a back-off that doubles (1 s to 30 s); a
role that dies ``RESTART_LIMIT`` times within ``RESTART_WINDOW_S`` is given up on, and then
everything stops with exit code 1 so that a process manager above sees the failure.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from coordinator.extensions import db
from coordinator.jobs import QUEUES
from coordinator.models import Person
from coordinator.seeding.demo import DEMO_PASSWORD
from coordinator.seeding.demo_people import DEMO_EMAIL_DOMAIN

WORKER_QUEUES = ",".join(QUEUES)
WEB_PROCESSES = 2
WEB_THREADS = 4
WEB_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15
RESTART_BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
RESTART_LIMIT = 5
RESTART_WINDOW_S = 300.0


@dataclass(frozen=True)
class Role:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None  # None: this process's environment


def child_environment(port: int, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of every role: ``PORT`` is the web's port, so that web, worker and beat
    derive one base URL from it when ``SINERGI_BASE_URL`` is unset (links carry that port)."""
    return {**environ, "PORT": str(port)}


def roles(port: int, instance_dir: Path) -> list[Role]:
    """The three processes of the embedded deployment: web on gunicorn (two processes of
    four threads, requests cut at ``WEB_TIMEOUT_S``), a Celery worker and Celery beat."""
    python = sys.executable
    return [
        Role("web", [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                     "--workers", str(WEB_PROCESSES), "--threads", str(WEB_THREADS),
                     "--timeout", str(WEB_TIMEOUT_S), "--graceful-timeout", str(STOP_TIMEOUT_S - 5),
                     "--access-logfile", "-", "coordinator:create_app()"]),
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


@dataclass(frozen=True)
class RestartPolicy:
    backoff_s: tuple[float, ...] = RESTART_BACKOFF_S
    limit: int = RESTART_LIMIT
    window_s: float = RESTART_WINDOW_S


@dataclass
class Supervised:
    """One role's current process, and when it died recently (for back-off and the limit)."""

    role: Role
    process: subprocess.Popen[bytes] | None = None
    deaths: deque[float] = field(default_factory=deque)
    start_at: float = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(self.role.argv, start_new_session=True, env=self.role.env)

    def reap(self) -> None:
        """After the role's main process died: end what it left in its session (gunicorn's
        workers would hold the port the restarted web needs)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


def run_all(port: int | None = None) -> int:
    """Start every role, restart any that dies, stop all on Ctrl-C/SIGTERM."""
    config = current_app.extensions["sinergi"]
    port = port or config.web_port
    config.instance_dir.mkdir(parents=True, exist_ok=True)
    stop = _Stop()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    env = child_environment(port, os.environ)
    all_roles = [replace(role, env=env) for role in roles(port, config.instance_dir)]
    return supervise(all_roles, stop, on_started=lambda: _announce(port))


def supervise(all_roles: list[Role], stop: _Stop, policy: RestartPolicy = RestartPolicy(),
              on_started: Callable[[], None] | None = None) -> int:
    """Run ``all_roles`` until ``stop`` is requested (0) or one dies too often (1)."""
    children = [Supervised(role) for role in all_roles]
    for child in children:
        child.start()
    if on_started:
        on_started()
    given_up = _watch(children, stop, policy)
    _stop_all([c.process for c in children if c.process is not None])
    if given_up:
        print(f"sinergi: {given_up} exited {policy.limit} times within "
              f"{policy.window_s:.0f} s; stopped the others.", file=sys.stderr, flush=True)
        return 1
    return 0


def _watch(children: list[Supervised], stop: _Stop, policy: RestartPolicy) -> str | None:
    while not stop.requested:
        now = time.monotonic()
        for child in children:
            if child.process is None:
                if now >= child.start_at:
                    print(f"sinergi: starting {child.role.name} again", file=sys.stderr,
                          flush=True)
                    child.start()
                continue
            code = child.process.poll()
            if code is None:
                continue
            while child.deaths and now - child.deaths[0] > policy.window_s:
                child.deaths.popleft()
            child.deaths.append(now)
            child.reap()
            if len(child.deaths) >= policy.limit:
                return child.role.name
            delay = policy.backoff_s[min(len(child.deaths) - 1, len(policy.backoff_s) - 1)]
            print(f"sinergi: {child.role.name} exited with code {code}; restarting in "
                  f"{delay:.0f} s", file=sys.stderr, flush=True)
            child.process, child.start_at = None, now + delay
        time.sleep(0.3)
    return None


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


def _stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
