"""Every benchmark runs end to end at the smallest size and gives well-formed rows, so the
harness never rots. Never a timing assertion: these machines are shared and noisy.

It uses DATABASE_URL's server (databases <name>_tpl, <name>_b1 ... beside it; the template with
DKI Jakarta's regions is kept and rebuilt only when migrations, models or seeding change) and
REDIS_URL's database, which it flushes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import PG_URL, REDIS_URL, REQUIRE_SERVICES, need_postgres, need_redis

pytestmark = [pytest.mark.slow, pytest.mark.services]


def _need_wrk() -> None:
    if shutil.which("wrk") is None:
        message = "wrk is not installed (apt-get install -y wrk)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


def test_every_benchmark_gives_a_well_formed_row_at_the_smallest_size(tmp_path: Path) -> None:
    need_postgres()
    need_redis()
    _need_wrk()
    from bench.context import Context
    from bench.run import BENCHMARKS, run_benchmarks

    lines: list[str] = []
    ctx = Context(PG_URL, REDIS_URL, wilayah=None, scale=0.002, seconds=1, tiny=True,
                  connections=4, log=lines.append, work_dir=tmp_path)
    rows = run_benchmarks(ctx, list(BENCHMARKS))

    failed = [r for r in rows if r.figure == "FAILED"]
    assert not failed, "\n".join(f"{r.bench}: {r.value}" for r in failed)
    assert {r.bench for r in rows} == set(BENCHMARKS)
    for row in rows:
        assert len(row.cells()) == 7
        assert row.value and row.value != "-", row
        assert any(ch.isdigit() for ch in row.value), row
        if row.met is not None:
            assert row.target != "-", row
