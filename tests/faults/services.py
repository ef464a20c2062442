"""What the fault tests run against: a private Redis they may kill, a database of their own,
a loopback SMS provider and an SMTP sink that record every message they are given."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import text
from werkzeug.wrappers import Request, Response

from tests.channels.fakes import FakeGateway, FakeTwilio, _json, serve
from tests.support import server_admin


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test alone, on a free loopback port, that it may SIGKILL."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "redis.log").open("a")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"private redis on port {self.port} did not start")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def flush(self) -> None:
        """Empty every database (what a previous scenario left: queues, counters)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            answer = conn.recv(16)
        if not answer.startswith(b"+OK"):
            raise RuntimeError(f"FLUSHALL on the private redis answered {answer!r}")

    def kill(self) -> None:
        """SIGKILL: every queue and unacknowledged message is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill()


def scenario_database(server_url: str, name: str, template: str | None = None) -> str:
    """A fresh database ``name`` on the PostgreSQL server of ``server_url``: empty, or a copy
    of ``template`` (PostgreSQL copies its files: far quicker than seeding again)."""
    copy = f' TEMPLATE "{template}"' if template else ""
    with server_admin(server_url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, name: str) -> None:
    with server_admin(server_url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def terminate_backends(database_url: str, name: str) -> int:
    """Cut every connection to the scenario's database (``pg_terminate_backend``)."""
    with server_admin(database_url) as conn:
        killed = conn.execute(text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).scalar_one()
    return int(killed)


class FlakyGateway(FakeGateway):
    """The HTTP gateway with faults on a message's first request, by the order in which
    messages first arrive: of every ten, the first ``errors_in_ten`` get a 500 and the last
    ``late_in_ten`` are delivered but answered only after ``late_seconds`` (the client gave up)."""

    def __init__(self, errors_in_ten: int, late_in_ten: int, late_seconds: float) -> None:
        super().__init__()
        self.errors_in_ten, self.late_in_ten, self.late_seconds = (
            errors_in_ten, late_in_ten, late_seconds)
        self.errors: list[str] = []
        self.late: list[str] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        params = request.form.to_dict()
        key = params.get("idempotency_key", "")
        with self._lock:
            first = key not in self._seen
            self._seen.add(key)
            slot = (len(self._seen) - 1) % 10 if first else -1
        if 0 <= slot < self.errors_in_ten:
            self.errors.append(key)
            return _json(500, {"status": "error", "message": "gateway overloaded"})
        with self._lock:
            answer = super().__call__(request)
        if slot >= 10 - self.late_in_ten:
            self.late.append(key)
            time.sleep(self.late_seconds)
        return answer


class HeldTwilio(FakeTwilio):
    """Twilio that holds its first ``hold`` answers (the messages are created) until released:
    a worker killed meanwhile dies mid-send, after the provider took the message."""

    def __init__(self, hold: int) -> None:
        super().__init__()
        self.hold = hold
        self.in_flight = 0
        self.release = threading.Event()
        self._holding_lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._holding_lock:
            hold = request.method == "POST" and self.hold > 0
            if hold:
                self.hold -= 1
                self.in_flight += 1
        answer = super().__call__(request)
        if hold:
            self.release.wait(timeout=60)
        return answer


class SmtpSink:
    """An SMTP server that keeps every message: the notification id header, the Message-ID."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers: dict[str, str] = {}
        for line in envelope.content.decode("utf-8", "replace").split("\r\n"):
            if not line:
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self.messages.append(headers)
        return "250 OK"

    def per_notification(self) -> Counter[str]:
        return Counter(m.get("x-sinergi-notification", "") for m in self.messages)


@contextmanager
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@contextmanager
def provider(handler: Any) -> Iterator[str]:
    with serve(handler) as base:
        yield base


def kill_group(process: subprocess.Popen[Any]) -> None:
    """SIGKILL a process and its children (a Celery worker's pool)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=20)
