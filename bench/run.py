"""The benchmark runner: ``python -m bench [--scale N] [--only B1,B3]`` (``make bench``).

Builds a template database with the real region tree once, then runs each benchmark on its own
copy, and prints one table: each figure beside its baseline measured in the same run.
"""
from __future__ import annotations

import argparse
import importlib
import shutil
import sys
import time
import traceback
from pathlib import Path

from bench.context import DEFAULT_WILAYAH, Context
from bench.report import Row, table

BENCHMARKS = {
    "B1": "bench.b1_http",
    "B2": "bench.b2_bulk",
    "B3": "bench.b3_sweep",
    "B4": "bench.b4_sms",
    "B5": "bench.b5_relay",
    "B6": "bench.b6_rollups",
    "B7": "bench.b7_end_to_end",
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the data sizes (B6: 1 = 1,000,000 actions, 10 = 10M)")
    parser.add_argument("--only", default="", help="comma-separated benchmarks, e.g. B1,B3")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="length of each load run (wrk, paced completions)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/sinergi_bench",
                        help="base name: the runner creates and drops <name>_tpl, <name>_b1, ...")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3",
                        help="a Redis database the runner may flush (broker and counters)")
    parser.add_argument("--wilayah", type=Path, default=DEFAULT_WILAYAH,
                        help="folder of the wilayah CSVs (the real tree of all Indonesia)")
    parser.add_argument("--keep-template", action="store_true",
                        help="keep the template database for the next run (it is rebuilt "
                             "only when migrations, models, seeding or the CSVs change)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--tiny", action="store_true", help="smallest sizes: checks it runs")
    return parser.parse_args(argv)


def selected(only: str) -> list[str]:
    names = [n.strip().upper() for n in only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; know {', '.join(BENCHMARKS)}")
    return names


def run_benchmarks(ctx: Context, names: list[str]) -> list[Row]:
    """Run ``names`` in order; a benchmark that fails gives a row saying so, the rest go on."""
    ctx.log(f"template database (migrations + all-Indonesia seed): {ctx.build_template():.1f} s")
    rows: list[Row] = []
    try:
        for name in names:
            started = time.perf_counter()
            try:
                module = importlib.import_module(BENCHMARKS[name])
                found = module.run(ctx)
            except Exception as exc:  # noqa: BLE001 - report it in the table, run the others
                traceback.print_exc()
                found = [Row(name, "FAILED", f"{type(exc).__name__}: {exc}"[:200], met=False)]
            ctx.log(f"{name}: {time.perf_counter() - started:.0f} s")
            for row in found:
                ctx.log("  " + " | ".join(row.cells()[1:]))
            rows.extend(found)
    finally:
        if ctx.drop_template:
            ctx.drop_database("tpl")
        if not ctx.keep:
            shutil.rmtree(ctx.work_dir, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    ctx = Context(args.database_url, args.redis_url, args.wilayah, scale=args.scale,
                  seconds=args.seconds, tiny=args.tiny, keep=args.keep,
                  drop_template=not (args.keep or args.keep_template),
                  log=lambda line: print(line, file=sys.stderr, flush=True))
    if args.tiny:
        ctx.scale, ctx.seconds, ctx.connections = min(args.scale, 0.01), min(args.seconds, 1.0), 4
    started = time.perf_counter()
    rows = run_benchmarks(ctx, selected(args.only))
    print(f"\nSinergi benchmarks, scale {ctx.scale:g}, {time.perf_counter() - started:.0f} s\n")
    print(table(rows))
    return 0 if all(r.figure != "FAILED" for r in rows) else 1
