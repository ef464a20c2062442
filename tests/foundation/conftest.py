"""Fixtures of the foundation tests: real subprocesses (workers, writers) on the test database."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WILAYAH_DIR = Path(os.environ.get("SINERGI_WILAYAH_DIR", "/work/shared/data/wilayah"))




@pytest.fixture
def process_env(app: Flask, tmp_path: Path) -> Callable[..., dict[str, str]]:
    """The environment of a child process that uses the same database as ``app``."""

    def build(**extra: str) -> dict[str, str]:
        config = app.extensions["sinergi"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "BROKER"))}
        env.update(
            SINERGI_ENV="test",
            SINERGI_INSTANCE_DIR=str(tmp_path / "child-instance"),
            DATABASE_URL=config.database_url,
            BROKER_URL=config.broker_url,
            SECRET_KEY="test-secret-key-not-for-production",
            PYTHONPATH=str(PROJECT_ROOT),
        )
        env.pop("REDIS_URL", None)
        env.update(extra)
        return env

    return build


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start child processes (output to a log file); each is stopped at the end of the test."""
    children: list[subprocess.Popen[str]] = []

    def start(argv: list[str], env: dict[str, str], name: str = "child") -> subprocess.Popen[str]:
        log = (tmp_path / f"{name}.log").open("w")
        child = subprocess.Popen(
            argv, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        child.log_path = tmp_path / f"{name}.log"  # type: ignore[attr-defined]
        children.append(child)
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def wait_until() -> Callable[[Callable[[], object], float, str], object]:
    """Poll a condition until it returns something truthy; fail naming what was awaited."""
    return _wait_until


@pytest.fixture
def python() -> str:
    return sys.executable
