"""The processes a benchmark runs: gunicorn, a Celery worker, the loopback SMS gateway, wrk.

Every process is started here, waited for, and stopped by its own id when the block ends.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.context import Context


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s; see {log}")


@contextlib.contextmanager
def gunicorn(ctx: Context, env: dict[str, str], workers: int = 2,
             app: str = "bench.wsgi:create_bench_app()") -> Iterator[str]:
    """``app`` (by default the bench WSGI app: the real app + /__hello) on gunicorn with
    ``workers`` sync workers."""
    port = free_port()
    log = ctx.work_dir / f"gunicorn-{port}.log"
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class",
               "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
               "--error-logfile", str(log), app]
    with open(log, "ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=ctx.work_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + "/__hello/", process, log)
        yield base
    finally:
        _stop(process)


@contextlib.contextmanager
def celery_worker(ctx: Context, env: dict[str, str], queues: str,
                  concurrency: int = 2) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker (prefork, ``concurrency`` processes) on ``queues``; ready when it pings."""
    log = ctx.work_dir / f"worker-{queues.replace(',', '-')}.log"
    command = [sys.executable, "-m", "celery", "-A", "bench.worker", "worker", "-Q", queues,
               "--concurrency", str(concurrency), "--pool", "prefork", "--loglevel", "WARNING",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-n",
               f"bench-{os.getpid()}-{time.monotonic_ns()}@%h"]
    with open(log, "ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=ctx.work_dir)
    try:
        _wait_worker(env, process, log)
        yield process
    finally:
        _stop(process, grace=20)


def _wait_worker(env: dict[str, str], process: subprocess.Popen[bytes], log: Path) -> None:
    from celery import Celery

    client = Celery("bench-ping", broker=env["BROKER_URL"], set_as_current=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited; see {log}:\n{log.read_text()[-2000:]}")
        if client.control.ping(timeout=0.5):
            return
    raise RuntimeError(f"worker did not answer a ping within 60 s; see {log}")


@contextlib.contextmanager
def loopback_sms(ctx: Context) -> Iterator[str]:
    """The loopback SMS gateway (``bench.loopback_sms``); yields its URL."""
    port = free_port()
    log = ctx.work_dir / "loopback-sms.log"
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "bench.loopback_sms", str(port)],
                                   stdout=out, stderr=out, cwd=ctx.work_dir,
                                   env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(url + "/count", process, log)
        yield url
    finally:
        _stop(process)


def sms_received(url: str) -> int:
    return int(requests.get(url + "/count", timeout=5).json()["received"])


def warm_up(url: str, headers: dict[str, str], times: int = 6) -> None:
    """First requests in a fresh worker load templates and caches: not what is measured."""
    for _ in range(times):
        requests.get(url, headers=headers, timeout=60)


# --- wrk -----------------------------------------------------------------------------------

@dataclass
class WrkResult:
    requests_per_second: float
    p50: float  # seconds
    p99: float
    requests: int
    errors: int  # socket errors, timeouts and non-2xx/3xx answers

    def describe(self) -> str:
        return (f"{self.requests_per_second:,.0f} req/s, p50 {self.p50 * 1000:.0f} ms, "
                f"p99 {self.p99 * 1000:.0f} ms")


WRK_REPORT = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH {\"requests\": %d, \"duration_us\": %d, \"errors\": %d, " ..
    "\"p50_us\": %d, \"p99_us\": %d}\n", summary.requests, summary.duration, errors,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk (make bench does it)")
    return found


def wrk(ctx: Context, url: str, *, seconds: float, connections: int = 32, threads: int = 2,
        headers: dict[str, str] | None = None, script: str = "") -> WrkResult:
    """Run wrk against ``url``; ``script`` is extra Lua (e.g. a ``request`` function)."""
    lua = ctx.work_dir / f"wrk-{time.monotonic_ns()}.lua"
    header_lines = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in (headers or {}).items())
    lua.write_text(header_lines + script + WRK_REPORT)
    command = [wrk_binary(), "-t", str(threads), "-c", str(connections),
               "-d", f"{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(lua), url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    match = re.search(r"^BENCH (\{.*\})$", done.stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    data = json.loads(match.group(1))
    seconds_run = data["duration_us"] / 1e6
    ok = data["requests"] - data["errors"]
    return WrkResult(ok / seconds_run, data["p50_us"] / 1e6, data["p99_us"] / 1e6,
                     data["requests"], data["errors"])


def post_ids_script(path_template: str, ids: list[int], body: str, threads: int = 2) -> str:
    """Lua for wrk: each request POSTs to the next id of ``ids`` (wrk's threads take turns)."""
    id_list = ",".join(str(i) for i in ids)
    return f"""
local ids = {{{id_list}}}
local counter = 0
offset = 0
local thread_count = 0
setup = function(thread)
  thread:set("offset", thread_count)
  thread_count = thread_count + 1
end
wrk.method = "POST"
wrk.body = '{body}'
wrk.headers["Content-Type"] = "application/json"
request = function()
  local i = offset + counter * {threads} + 1
  counter = counter + 1
  if i > #ids then i = ((i - 1) % #ids) + 1 end
  return wrk.format(nil, string.format("{path_template}", ids[i]))
end
"""


def rotate_paths_script(paths: list[str]) -> str:
    """Lua for wrk: GET ``paths`` in turn."""
    listed = ",".join(json.dumps(p) for p in paths)
    return f"""
local paths = {{{listed}}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
"""
