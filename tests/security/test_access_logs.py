"""Link keys never reach an access log: werkzeug's (``sinergi run-all``) and gunicorn's (compose),
each a real server answering real requests to ``/t/<key>``."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from coordinator.extensions import db
from coordinator.messages.links import action_key
from coordinator.models import Action, Person, Program, Region

ROOT = Path(__file__).resolve().parents[2]
FAKE_KEY = "Zz9Yy8Xx7W"  # the shape of a key, unknown: logged all the same


def _get(url: str, **headers: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


def _real_key() -> str:
    """A live key of a real action, committed (the server reads it on its own connection)."""
    db.session.add_all([Region(code="31", name="DKI Jakarta", level="province"),
                        Region(code="31.73", name="Jakarta Barat", level="city", parent_code="31")])
    cadre = Person(name="Ibu Sari", role="cadre", region_code="31.73", phone="+6281234567890")
    db.session.add(cadre)
    db.session.flush()
    program = Program(title="P", category="prevention", year=2022, region_code="31.73",
                      owner_id=cadre.id, status="active")
    db.session.add(program)
    db.session.flush()
    from datetime import UTC, datetime

    action = Action(program_id=program.id, title="T", assignee_id=cadre.id, kelurahan_code="31.73",
                    due_at=datetime(2030, 1, 1, tzinfo=UTC), public_code="A7K2")
    db.session.add(action)
    db.session.flush()
    key = action_key(cadre.id, action.id)
    db.session.commit()
    return key


def test_werkzeug_request_log_hides_link_keys(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    key = _real_key()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            assert _get(f"{base}/t/{key}") == 200
            assert _get(f"{base}/t/{FAKE_KEY}") == 404
            _get(f"{base}/t/{key}/batal")  # a GET on the POST-only undo address: sent back to
            #                                the link page (303), which is followed
    finally:
        server.shutdown()
        thread.join(timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    requests = [line for line in lines if "/t/" in line]
    assert len(requests) == 4, lines
    assert all("/t/***" in line for line in requests)
    assert not any(key in line or FAKE_KEY in line for line in lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_access_log_hides_link_keys(app: Flask, database_url: str, tmp_path: Path) -> None:
    key = _real_key()
    port, access = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": app.config["SECRET_KEY"],
           "SINERGI_ENV": "test", "SINERGI_INSTANCE_DIR": str(tmp_path / "instance"),
           "SINERGI_RELAY_ON_COMMIT": "0"}
    command = [sys.executable, "-m", "gunicorn", "--config", "python:coordinator.gunicorn_conf",
               "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(access),
               "--error-logfile", str(tmp_path / "error.log"), "coordinator:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if _get(base + "/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "error.log").read_text())
        assert _get(f"{base}/t/{key}") == 200
        # A static file fetched from the link page carries the link in its Referer header.
        _get(f"{base}/static/sinergi.css", Referer=f"{base}/t/{key}")
        assert _get(f"{base}/t/{FAKE_KEY}?from=sms") == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
    log = access.read_text()
    assert log.count("/t/***") >= 3, log
    assert key not in log and FAKE_KEY not in log
    assert '"GET /t/*** HTTP/1.1" 200' in log and "/healthz" in log
