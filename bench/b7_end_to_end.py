"""B7: end to end under B1's load. A completion POSTed to the API, relayed by the outbox,
applied by the rollup worker and visible in the program rollup API of its kelurahan, while
wrk sends B1's reads at 32 connections to the same gunicorn (2 sync workers) and one worker
(concurrency 2, every queue) does the background work."""
from __future__ import annotations

import subprocess
import time

import psycopg
import requests

from bench import services
from bench.context import Context, app_on
from bench.data import sql
from bench.report import Row, percentile, secs
from bench.world import CITY, build_web_world, login_cookie

TIMEOUT = 30.0


def run(ctx: Context) -> list[Row]:
    probes = 30 if not ctx.tiny else 1
    with ctx.database("b7") as url:
        with app_on(ctx, url):
            world = build_web_world(ctx)
            kelurahan = dict(sql("SELECT id, kelurahan_code FROM actions WHERE id = ANY(:i)",
                                 i=world.probe_ids).all())
        ctx.flush_redis()
        env = ctx.environ(url, SINERGI_RELAY_ON_COMMIT="1")
        with services.gunicorn(ctx, env) as base, \
                services.celery_worker(ctx, env, "default,relay,notifications,rollups"):
            cookie = login_cookie(base, world.staff.lead_email, "bench-password-123")
            auth = {"Authorization": f"Bearer {world.staff.lead_token}"}
            paths = ["/api/v1/actions?limit=50", world.link_path, f"/dashboard?region={CITY}",
                     f"/api/v1/rollups/indicators?region={CITY}"]
            load = _background_wrk(ctx, base, {**auth, "Cookie": cookie}, paths)
            try:
                time.sleep(0.2 if ctx.tiny else 1)
                samples = [_probe(base, auth, world.program_id, action_id, kelurahan[action_id])
                           for action_id in world.probe_ids[:probes]]
            finally:
                load.terminate()
                load.wait(10)
        breakdown = _breakdown(url, world.probe_ids[:probes])
        ctx.flush_redis()
    seen = [s for s in samples if s is not None]
    p99 = percentile(seen, 99) if seen else TIMEOUT
    return [Row("B7", "completion via API → visible in rollup API, p50 / p99",
                f"{secs(percentile(seen, 50))} / {secs(p99)}", "-", "-", "p99 ≤ 1 s",
                p99 <= 1.0 and len(seen) == len(samples),
                f"{len(seen)} of {len(samples)} seen within {TIMEOUT:.0f} s, under B1's read "
                f"load; in the database, commit → published p50 {secs(breakdown[0])}, "
                f"→ rollup applied p50 {secs(breakdown[1])} / max {secs(breakdown[2])}")]


def _breakdown(url: str, ids: list[int]) -> tuple[float, float, float]:
    """From the outbox's own timestamps: how much of the delay is the background path."""
    id_list = ",".join(str(i) for i in ids) or "0"
    query = (
        "SELECT extract(epoch FROM e.published_at - e.created_at), "
        "extract(epoch FROM p.processed_at - e.created_at) FROM events e JOIN processed_events p "
        "ON p.event_id = e.id AND p.handler = 'rollups' WHERE e.type = 'ActionCompleted' "
        f"AND e.aggregate_type = 'action' AND e.aggregate_id IN ({id_list})")
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(query).fetchall()
    published = [float(r[0]) for r in rows if r[0] is not None]
    applied = [float(r[1]) for r in rows]
    return percentile(published, 50), percentile(applied, 50), max(applied, default=0.0)


def _background_wrk(ctx: Context, base: str, headers: dict[str, str],
                    paths: list[str]) -> subprocess.Popen[bytes]:
    lua = ctx.work_dir / "b7-load.lua"
    lua.write_text("".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
                   + services.rotate_paths_script(paths))
    return subprocess.Popen([services.wrk_binary(), "-t", "2", "-c", str(ctx.connections), "-d", "600s",
                             "--timeout", "10s", "-s", str(lua), base],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _done(base: str, auth: dict[str, str], program: int, kelurahan: str) -> int:
    answer = requests.get(f"{base}/api/v1/rollups/programs/{program}?region={kelurahan}",
                          headers=auth, timeout=TIMEOUT)
    answer.raise_for_status()
    return int(answer.json()["progress"]["done"])


def _probe(base: str, auth: dict[str, str], program: int, action_id: int,
           kelurahan: str) -> float | None:
    before = _done(base, auth, program, kelurahan)
    started = time.perf_counter()
    answer = requests.post(f"{base}/api/v1/actions/{action_id}/complete", json={},
                           headers=auth, timeout=TIMEOUT)
    answer.raise_for_status()
    while time.perf_counter() - started < TIMEOUT:
        if _done(base, auth, program, kelurahan) > before:
            return time.perf_counter() - started
        time.sleep(0.05)
    return None
