"""A Sinergi deployment in real processes for one fault test: web, worker(s) and beat(s) on a
database and a broker of the test's own, plus the in-process view the test checks it with."""
from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from coordinator import create_app, rollups
from coordinator.api.auth import hash_token
from coordinator.config import load_config
from coordinator.domain.calendar import local_now
from coordinator.domain.programs import activate_program, create_program
from coordinator.extensions import db
from coordinator.jobs import QUEUES
from coordinator.models import (
    Action,
    ApiToken,
    DeadLetter,
    Event,
    Network,
    Notification,
    Person,
    Region,
    utcnow,
)
from coordinator.notifications.attempts import uncertain_counts
from coordinator.seeding.reference import seed_reference_data
from coordinator.seeding.regions import seed_dki_jakarta
from tests.faults.services import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TAMBORA = "31.73.04"
CITY = "31.73"
TOKEN = "sng_fault-test-lead-token"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "faults"
# Short reliability bounds, so that a fault heals in seconds instead of minutes. The periodic
# jobs run every second or two; the bounds stay a few times longer than a busy 2-core machine
# takes to handle a burst, since an event republished too often becomes a dead letter.
FAST = {
    "RELAY_INTERVAL_SECONDS": "1", "DISPATCH_INTERVAL_SECONDS": "1",
    "RELIABILITY_CHECK_INTERVAL_SECONDS": "2", "EVENT_HANDLING_BOUND_SECONDS": "10",
    "CHANNEL_TIMEOUT_SECONDS": "3", "SEND_LEASE_SECONDS": "12", "SEND_TASK_EXPIRES_SECONDS": "8",
    "BROKER_VISIBILITY_TIMEOUT_SECONDS": "15", "SEND_BACKOFF_BASE_SECONDS": "1",
    "SMS_QUIET_HOURS_START": "0", "SMS_QUIET_HOURS_END": "0", "SMS_DAILY_CAP": "100",
    "API_RATE_LIMIT_PER_MINUTE": "100000",
}
DEADLINE = 240  # seconds for a healed deployment to deliver everything (a bound, not a timing)


def wait_until(condition: Callable[[], Any], timeout: float, what: str | Callable[[], str],
               every: float = 0.2) -> Any:
    """Poll until ``condition()`` is truthy; fail naming ``what`` past the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for "
                        f"{what() if callable(what) else what}")
        time.sleep(every)


class Cluster:
    """The processes of one deployment and the test's own app on the same database."""

    def __init__(self, tmp: Path, database_url: str, broker_url: str, **env: str) -> None:
        self.tmp = tmp
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("SINERGI_", "BROKER", "SMS_", "SMTP_", "TWILIO_"))}
        self.env.pop("REDIS_URL", None)
        self.env.update(FAST)
        self.env.update(
            SINERGI_ENV="test", SINERGI_INSTANCE_DIR=str(tmp / "instance"),
            DATABASE_URL=database_url, BROKER_URL=broker_url, SINERGI_RELAY_ON_COMMIT="1",
            SECRET_KEY="fault-test-secret-key-not-for-production",
            PYTHONPATH=str(PROJECT_ROOT))
        self.env.update(env)
        (tmp / "instance").mkdir(parents=True, exist_ok=True)
        self.app: Flask = create_app(load_config(self.env))
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.web_port = 0

    # --- processes -------------------------------------------------------------------------
    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("ab")
        process = subprocess.Popen(argv, env=self.env, cwd=PROJECT_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def diagnosis(self, lines: int = 25) -> str:
        """Each process: running or its exit code, and the end of its log. Appended to a
        scenario's timeout, so that a stall seen once in CI can be understood from its output."""
        parts = []
        for name, process in self.processes.items():
            state = "running" if process.poll() is None else f"exited {process.returncode}"
            tail = "\n".join(self.log(name).splitlines()[-lines:])
            parts.append(f"--- {name} ({state}) ---\n{tail}")
        return "\n".join(parts)

    def start_web(self, wait: bool = True) -> subprocess.Popen[bytes]:
        self.web_port = self.web_port or free_port()
        web = self.start("web", [sys.executable, "-m", "flask", "--app", "coordinator:create_app()",
                                 "run", "--host", "127.0.0.1", "--port", str(self.web_port),
                                 "--with-threads", "--no-reload", "--no-debugger"])
        if wait:
            self.wait_ready("web")
        return web

    def start_worker(self, name: str = "worker", concurrency: int = 2,
                     wait: bool = True) -> subprocess.Popen[bytes]:
        worker = self.start(name, [
            sys.executable, "-m", "celery", "-A", "workers", "worker", "-n", f"{name}@%h",
            "-Q", ",".join(QUEUES), "--concurrency", str(concurrency),
            "--loglevel", "INFO", "--without-gossip", "--without-mingle"])
        if wait:
            self.wait_ready(name)
        return worker

    def start_beat(self, name: str = "beat") -> subprocess.Popen[bytes]:
        return self.start(name, [sys.executable, "-m", "celery", "-A", "workers", "beat",
                                 "--loglevel", "INFO", "--schedule", str(self.tmp / f"{name}-schedule")])

    def start_all(self, *beats: str, worker: bool = True) -> None:
        """Web, a worker and the named beats, started side by side (their imports take seconds
        each on a loaded machine); returns when the web answers and the worker is ready."""
        self.start_web(wait=False)
        if worker:
            self.start_worker(wait=False)
        for beat in beats:
            self.start_beat(beat)
        self.wait_ready("web", *(["worker"] if worker else []))

    def wait_ready(self, *names: str) -> None:
        """Wait for each named process: the web server answering, a worker "ready."."""
        for name in names:
            wait_until(functools.partial(self._ready_or_dead, name), 90, f"{name} to be ready")
            assert self.processes[name].poll() is None, self.log(name)

    def _ready_or_dead(self, name: str) -> bool:
        if self.processes[name].poll() is not None:
            return True
        return self._healthy() if name == "web" else "ready." in self.log(name)

    def stop_all(self) -> None:
        """SIGKILL every process group (a worker's pool too): the scenario is over and its
        database and broker are thrown away, so a graceful shutdown would only cost time."""
        for process in self.processes.values():
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        for process in self.processes.values():
            process.wait(timeout=20)

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    # --- the world the burst acts on -------------------------------------------------------
    def seed(self, cadres: int, email_every: int = 3) -> dict[str, Any]:
        """Regions, networks, a city lead with an API token, ``cadres`` PKK cadres spread over
        Tambora's kelurahan (every ``email_every``-th prefers email) and an active program
        that tells each assignee once, on assignment."""
        with self.app.app_context():
            db.create_all()
            seed_dki_jakarta()
            seed_reference_data()
            pkk = db.session.scalars(select(Network).where(Network.slug == "pkk")).one()
            kelurahan = list(db.session.scalars(select(Region.code).where(
                Region.parent_code == TAMBORA).order_by(Region.code)))
            lead = Person(name="Lead Kota", role="lead", region_code=CITY,
                          email="lead@example.test", phone="+6281300000099", language="id")
            db.session.add(lead)
            for n in range(cadres):
                cadre = Person(
                    name=f"Kader {n}", role="cadre", region_code=kelurahan[n % len(kelurahan)],
                    email=f"kader{n}@example.test", phone=f"+62813{n + 100:07d}5",
                    language="id", channel_preference="email" if n % email_every == 0 else "sms")
                cadre.networks = [pkk]
                db.session.add(cadre)
            db.session.flush()
            db.session.add(ApiToken(person_id=lead.id, name="faults", token_hash=hash_token(TOKEN),
                                    created_at=utcnow()))
            program = create_program(actor=None, owner_id=lead.id, title="Sosialisasi pencegahan",
                                     public_title="Kegiatan sosialisasi", description="", category="prevention", year=2022,
                                     region_code=CITY)
            program.reminder_policy = {"on_assignment": True, "notify_coordinator_on": [],
                                       "before_due_hours": None, "morning_of_due_day": False,
                                       "when_overdue": False, "escalation": []}
            db.session.commit()
            activate_program(program.id, actor=None)
            return {"program_id": program.id, "network_id": pkk.id, "kelurahan": kelurahan}

    def api(self, method: str, path: str, key: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if key:
            headers["Idempotency-Key"] = key
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers,
                                timeout=30, **kwargs)

    def bulk_assign(self, world: dict[str, Any]) -> int:
        """One action for every cadre, in one API call (retried on a cut connection)."""
        with self.app.app_context():
            due = (local_now().date() + timedelta(days=20)).isoformat()
        body = {"program_id": world["program_id"], "network_ids": [world["network_id"]],
                "region_codes": world["kelurahan"], "due_date": due, "title": "Penyuluhan warga",
                "idempotency_key": "fault-bulk-0001"}
        for _ in range(10):
            try:
                response = self.api("POST", "/actions/bulk", json=body)
            except requests.RequestException:
                time.sleep(1)
                continue
            if response.status_code in (200, 201):
                return int(self.count(select(func.count()).select_from(Action)))
            time.sleep(1)
        pytest.fail(f"bulk assignment failed: {response.status_code} {response.text[:300]}")

    def action_ids(self) -> list[int]:
        with self.app.app_context():
            return list(db.session.scalars(select(Action.id).order_by(Action.id)))

    def complete(self, action_id: int, attempts: int = 8) -> dict[str, Any]:
        """Complete one action as a client that retries with its Idempotency-Key: returns what
        happened (statuses seen, whether a retry was answered from the stored first answer)."""
        key, seen = f"fault-complete-{action_id:06d}", []
        for _ in range(attempts):
            try:
                response = self.api("POST", f"/actions/{action_id}/complete", key=key,
                                    json={"people_reached": 7})
            except requests.RequestException as exc:
                seen.append(type(exc).__name__)
                time.sleep(0.5)
                continue
            seen.append(response.status_code)
            if response.status_code == 200:
                return {"seen": seen, "replayed": response.headers.get("Idempotent-Replayed")
                        == "true", "changed": response.json()["changed"]}
            time.sleep(0.5)
        return {"seen": seen, "replayed": False, "changed": None}

    # --- what the test checks --------------------------------------------------------------
    def count(self, query: Any) -> Any:
        with self.app.app_context():
            try:
                return db.session.scalar(query)
            finally:
                db.session.remove()

    def notifications(self, *where: Any) -> int:
        return int(self.count(select(func.count()).select_from(Notification).where(*where)))

    def statuses(self) -> dict[str, int]:
        with self.app.app_context():
            try:
                return dict(db.session.execute(select(Notification.status, func.count())
                                               .group_by(Notification.status)).all())
            finally:
                db.session.remove()

    def all_sent(self, expected: int) -> bool:
        return self.notifications(Notification.status == "sent") == expected

    def unhandled(self) -> int:
        return int(self.count(select(func.count()).select_from(Event).where(
            Event.handled_at.is_(None))))

    def all_handled(self) -> bool:
        return self.unhandled() == 0

    def recompute_drift(self) -> int:
        with self.app.app_context():
            try:
                return rollups.recompute_all().drift_count
            finally:
                db.session.remove()

    def dashboard_matches_sql(self, program_id: int) -> dict[str, Any]:
        """The program's progress as the API (the dashboard's numbers) shows it, beside the
        same numbers counted directly from ``actions``."""
        shown = self.api("GET", f"/rollups/programs/{program_id}", params={"region": CITY})
        assert shown.status_code == 200, shown.text[:300]
        progress = shown.json()["progress"]
        with self.app.app_context():
            rows = dict(db.session.execute(
                select(Action.status, func.count()).where(Action.program_id == program_id)
                .group_by(Action.status)).all())
            reached = db.session.scalar(select(func.coalesce(func.sum(Action.people_reached), 0))
                                        .where(Action.status == "done")) or 0
            db.session.remove()
        counted = {"total": sum(rows.values()), "open": rows.get("open", 0),
                   "done": rows.get("done", 0), "cancelled": rows.get("cancelled", 0),
                   "people_reached": reached}
        return {"dashboard": {k: int(progress[k]) for k in counted}, "sql": counted}

    def dead_letters(self) -> list[tuple[str, str]]:
        with self.app.app_context():
            try:
                return [(d.task_name, d.error.splitlines()[0]) for d in db.session.scalars(
                    select(DeadLetter).where(DeadLetter.status == "dead"))]
            finally:
                db.session.remove()

    def uncertain(self) -> Any:
        with self.app.app_context():
            try:
                return uncertain_counts(utcnow() - timedelta(days=1))
            finally:
                db.session.remove()

    def expected_messages(self) -> list[dict[str, Any]]:
        """Every message Sinergi meant to send to a phone or a mailbox."""
        with self.app.app_context():
            try:
                return [{"id": n.id, "channel": n.channel, "phone": n.recipient.phone,
                         "body": n.body} for n in db.session.scalars(
                    select(Notification).where(Notification.channel.in_(("sms", "email"))))]
            finally:
                db.session.remove()


def deliveries(expected: list[dict[str, Any]], sms: Counter[str],
               email: Counter[str]) -> dict[str, int]:
    """Exact counts: messages delivered once, lost, delivered more than once, and stray."""
    once = lost = doubled = 0
    for message in expected:
        key = str(message["id"]) if message["channel"] == "email" else message["sms_key"]
        got = (email if message["channel"] == "email" else sms).get(key, 0)
        once += got == 1
        lost += got == 0
        doubled += got > 1
    known = {str(m["id"]) for m in expected if m["channel"] == "email"} | {
        m["sms_key"] for m in expected if m["channel"] == "sms"}
    stray = sum(v for k, v in (sms + email).items() if k not in known)
    return {"expected": len(expected), "delivered_once": once, "lost": lost,
            "duplicated": doubled, "stray": stray}


def record(scenario: str, counts: dict[str, Any]) -> None:
    """Keep the scenario's counts (``test-artifacts/faults/``) for the README's table."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{scenario}.json").write_text(json.dumps(counts, indent=2, sort_keys=True))
    print(f"\nFAULT {scenario}: {json.dumps(counts, sort_keys=True)}")


def expected_with(cluster: Cluster, sms_key: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
    messages = cluster.expected_messages()
    for message in messages:
        message["sms_key"] = sms_key(message)
    return messages


def wait_all_sent(cluster: Cluster, actions: int) -> None:
    wait_until(lambda: cluster.all_sent(actions), DEADLINE,
               lambda: f"{actions} messages to be sent (now: {cluster.statuses()})\n"
                       f"{cluster.diagnosis()}")


def assert_exact(counts: dict[str, Any], actions: int) -> None:
    assert counts["expected"] == actions
    assert counts["delivered_once"] == actions and counts["lost"] == 0
    assert counts["duplicated"] == 0 and counts["stray"] == 0
    assert counts["uncertain_unresolved"] == 0
    assert counts["drift"] == 0
    assert counts["dashboard"] == counts["sql"]


def complete_half(cluster: Cluster, ids: list[int], threads: int = 4) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(cluster.complete, ids[::2]))
