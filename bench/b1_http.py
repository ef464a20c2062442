"""B1: the web under load. gunicorn with 2 sync workers, wrk at 32 connections, each endpoint
beside a Flask hello-world served by the same gunicorn processes in the same run."""
from __future__ import annotations

import gzip
import re
import time
from typing import Any

import requests

from bench import services
from bench.context import Context, app_on
from bench.data import sql
from bench.report import Row, ms, ratio
from bench.world import CITY, WebWorld, build_web_world, login_cookie

P99_TARGET = 0.100
# (label, minimum share of hello-world's req/s)
TARGETS = {"API action list": 0.15, "cadre link page": 0.3, "city dashboard": 0.1,
           "indicator rollup API": 0.3, "complete-an-action POST": 0.1}


def endpoints(world: WebWorld, cookie: str) -> list[tuple[str, str, dict[str, str], str]]:
    bearer = {"Authorization": f"Bearer {world.staff.lead_token}"}
    return [
        ("API action list", "/api/v1/actions?limit=50", bearer, ""),
        ("cadre link page", world.link_path, {}, ""),
        ("city dashboard", f"/dashboard?region={CITY}", {"Cookie": cookie}, ""),
        ("indicator rollup API", f"/api/v1/rollups/indicators?region={CITY}", bearer, ""),
        ("complete-an-action POST", "/", bearer, services.post_ids_script(
            "/api/v1/actions/%d/complete", world.complete_ids, '{"people_reached": 12}')),
    ]


def run(ctx: Context) -> list[Row]:
    with ctx.database("b1") as url:
        with app_on(ctx, url):
            world = build_web_world(ctx)
        ctx.flush_redis()
        with services.gunicorn(ctx, ctx.environ(url)) as base:
            cookie = login_cookie(base, world.staff.lead_email, "bench-password-123")
            for _, path, headers, script in endpoints(world, cookie):
                if not script:
                    services.warm_up(base + path, headers, 1 if ctx.tiny else 6)
            hello = [services.wrk(ctx, base + "/__hello/", seconds=ctx.seconds,
                                  connections=ctx.connections)]
            results = []
            for label, path, headers, script in endpoints(world, cookie):
                time.sleep(0.5)
                results.append((label, services.wrk(ctx, base + path, seconds=ctx.seconds,
                                                    connections=ctx.connections,
                                                    headers=headers, script=script)))
            weight = page_weight(base, f"/dashboard?region={CITY}", cookie)
            hello.append(services.wrk(ctx, base + "/__hello/", seconds=ctx.seconds,
                                      connections=ctx.connections))
        completed = _completed(ctx, url, world.complete_ids)
        ctx.flush_redis()
    baseline = sum(h.requests_per_second for h in hello) / len(hello)
    rows = [Row("B1", "hello-world req/s (before, after)", f"{baseline:,.0f} req/s",
                " / ".join(f"{h.requests_per_second:,.0f}" for h in hello),
                note=f"p50 {ms(hello[0].p50)}, p99 {ms(hello[0].p99)}")]
    for label, result in results:
        share = TARGETS[label]
        note = f"{result.errors} errors" if result.errors else ""
        if label.startswith("complete"):
            note = (note + "; " if note else "") + f"{completed} actions completed"
        rows.append(Row("B1", f"{label} req/s", f"{result.requests_per_second:,.0f} req/s",
                        f"{baseline:,.0f} req/s", ratio(result.requests_per_second, baseline),
                        f"≥ {share} ×", result.requests_per_second >= share * baseline
                        and not result.errors, note))
        rows.append(Row("B1", f"{label} p50 / p99", f"{ms(result.p50)} / {ms(result.p99)}",
                        target=f"p99 ≤ {ms(P99_TARGET)}", met=result.p99 <= P99_TARGET))
    rows.append(Row("B1", "city dashboard page weight (HTML + CSS + JS as served)",
                    f"{weight['bytes'] / 1024:,.0f} KB", f"{weight['raw'] / 1024:,.0f} KB "
                    "uncompressed", target="static compressed, cached, fingerprinted",
                    met=weight["ok"], note=weight["headers"]))
    return rows


def page_weight(base: str, path: str, cookie: str) -> dict[str, Any]:
    """What a browser downloads for the page: bytes on the wire with gzip accepted, and
    whether each static file is compressed and cacheable for long (fingerprinted names)."""
    def fetch(url: str) -> tuple[int, int, str, str]:
        answer = requests.get(url, headers={"Accept-Encoding": "gzip", "Cookie": cookie},
                              stream=True, timeout=60)
        wire = answer.raw.read(decode_content=False)
        encoding = answer.headers.get("Content-Encoding", "identity")
        raw = len(gzip.decompress(wire)) if encoding == "gzip" else len(wire)
        return len(wire), raw, encoding, answer.headers.get("Cache-Control", "none")

    wire, raw, _, _ = fetch(base + path)
    html = requests.get(base + path, headers={"Cookie": cookie}, timeout=60).text
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    seen, ok = [], bool(assets)
    for asset in assets:
        size, full, encoding, cache = fetch(base + asset)
        wire, raw = wire + size, raw + full
        seen.append(f"{asset.rsplit('/', 1)[-1]}: {encoding}, Cache-Control {cache}")
        ok = ok and encoding != "identity" and "max-age" in cache and "no-cache" not in cache
    return {"bytes": wire, "raw": raw, "ok": ok, "headers": "; ".join(seen)}


def _completed(ctx: Context, url: str, ids: list[int]) -> int:
    with app_on(ctx, url):
        return int(sql("SELECT count(*) FROM actions WHERE status = 'done' AND id = ANY(:ids)",
                       ids=ids).scalar_one())
