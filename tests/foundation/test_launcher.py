"""`sinergi run-all`: web, worker and beat start together; Ctrl-C or one dying stops them all."""
from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import pytest
import requests

from coordinator.config import load_config
from coordinator.launcher import (
    WORKER_QUEUES,
    RestartPolicy,
    Role,
    _Stop,
    child_environment,
    roles,
    supervise,
)
from coordinator.seeding.demo import load_demo
from tests.support import sqlite_only


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:  # refused, or accepted while its workers still boot
        return False


@pytest.fixture
def launch(app, python, process_env, start_process, wait_until):
    """Start ``sinergi run-all`` on a free port; returns it once /healthz answers 200."""

    def start():
        port = free_port()
        sinergi = str(Path(python).parent / "sinergi")
        launcher = start_process([sinergi, "run-all"], process_env(PORT=str(port)), "run-all")
        wait_until(
            lambda: healthy(f"http://127.0.0.1:{port}/healthz") or launcher.poll() is not None,
            90, "the web server of run-all",
        )
        assert launcher.poll() is None, launcher.log_path.read_text()
        wait_until(lambda: len(children_of(launcher.pid)) == 3, 30, "three children")
        return launcher, port

    return start


def test_the_three_roles_and_the_worker_queues():
    names = [role.name for role in roles(5000, Path("/tmp"))]
    assert names == ["web", "worker", "beat"]
    worker = roles(5000, Path("/tmp"))[1].argv
    assert worker[worker.index("-Q") + 1] == WORKER_QUEUES == "default,relay,notifications,rollups"


def test_the_web_runs_on_gunicorn_with_a_request_timeout():
    web = roles(5123, Path("/tmp"))[0].argv
    assert web[1:3] == ["-m", "gunicorn"] and web[-1] == "coordinator:create_app()"
    assert web[web.index("--bind") + 1] == "127.0.0.1:5123"
    assert web[web.index("--timeout") + 1] == "30"


def test_every_role_gets_the_base_url_of_the_port_the_web_listens_on(tmp_path):
    env = {"SINERGI_INSTANCE_DIR": str(tmp_path), "PORT": "5000"}
    assert load_config(child_environment(8123, env)).base_url == "http://127.0.0.1:8123"
    chosen = {**env, "SINERGI_BASE_URL": "https://sinergi.jakbar.example.org/"}
    assert load_config(child_environment(8123, chosen)).base_url == \
        "https://sinergi.jakbar.example.org"


@pytest.mark.slow
@sqlite_only
def test_ctrl_c_stops_web_worker_and_beat(seeded, launch, wait_until):
    load_demo()
    launcher, port = launch()
    children = children_of(launcher.pid)
    output = launcher.log_path.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    assert "Demo logins (password sinergi-demo): admin@jakbar.example.org" in output
    launcher.send_signal(signal.SIGINT)
    assert launcher.wait(timeout=60) == 0
    wait_until(lambda: not any(alive(pid) for pid in children), 30, "the children to stop")


@pytest.mark.slow
@sqlite_only
def test_a_role_that_dies_is_started_again_and_the_others_keep_running(launch, wait_until):
    launcher, port = launch()
    assert "Demo logins" not in launcher.log_path.read_text()  # no demo in this database
    children = children_of(launcher.pid)
    web = next(pid for pid in children if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes())
    os.kill(web, signal.SIGKILL)
    wait_until(lambda: "starting web again" in launcher.log_path.read_text(), 30, "a restart")
    wait_until(lambda: healthy(f"http://127.0.0.1:{port}/healthz"), 90, "the new web server")
    assert launcher.poll() is None
    assert all(alive(pid) for pid in children if pid != web)  # worker and beat kept running
    assert "web exited with code -9; restarting in 1 s" in launcher.log_path.read_text()
    launcher.send_signal(signal.SIGINT)
    assert launcher.wait(timeout=60) == 0


def test_a_role_that_keeps_dying_is_given_up_on_and_everything_stops(capfd):
    stop = _Stop()
    sleeper = Role("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    crasher = Role("crasher", [sys.executable, "-c", "raise SystemExit(3)"])
    policy = RestartPolicy(backoff_s=(0.1, 0.2), limit=3, window_s=60)
    assert supervise([sleeper, crasher], stop, policy) == 1
    err = capfd.readouterr().err
    assert err.count("crasher exited with code 3; restarting") == 2
    assert err.count("starting crasher again") == 2
    assert "crasher exited 3 times within 60 s; stopped the others." in err
    assert "steady exited" not in err
