"""Every benchmark runs end to end at the smallest size and gives well-formed rows, so the
harness never rots. Never a timing assertion: these machines are shared and noisy.

It uses DATABASE_URL's server (databases <name>_tpl and <name>_smoke beside it; the template
with DKI Jakarta's regions is kept and rebuilt only when migrations, models or seeding change)
and REDIS_URL's database, which it flushes."""
from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.context import Context
from tests.conftest import PG_URL, REDIS_URL, REQUIRE_SERVICES, need_postgres, need_redis
from tests.support import Snapshot

pytestmark = [pytest.mark.slow, pytest.mark.services]


def _need_wrk() -> None:
    if shutil.which("wrk") is None:
        message = "wrk is not installed (apt-get install -y wrk)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class OneCopy(Context):
    """The benchmarks' context, with one copy of the template for all of them, put back as
    copied before each (a fresh copy each would cost a DROP DATABASE each: a checkpoint of
    the whole server, seconds to tens of seconds on a busy one)."""

    snapshot: Snapshot | None = None

    @contextlib.contextmanager
    def database(self, suffix: str) -> Iterator[str]:
        url = self.url_for("smoke")
        if self.snapshot is None:
            self.fresh_database("smoke")
            self.snapshot = Snapshot(url)
        else:
            self._disconnect_others(url)  # what the previous benchmark left connected
            self.snapshot.restore(url)
        yield url

    def _disconnect_others(self, url: str) -> None:
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        engine.dispose()


def test_every_benchmark_gives_a_well_formed_row_at_the_smallest_size(tmp_path: Path) -> None:
    need_postgres()
    need_redis()
    _need_wrk()
    from bench.run import BENCHMARKS, run_benchmarks

    lines: list[str] = []
    # The benchmarks connect with psycopg itself, which takes no SQLAlchemy driver name.
    server = PG_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    ctx = OneCopy(server, REDIS_URL, wilayah=None, scale=0.002, seconds=1, tiny=True,
                  connections=4, log=lines.append, work_dir=tmp_path)
    try:
        rows = run_benchmarks(ctx, list(BENCHMARKS))
    finally:
        if ctx.snapshot is not None:
            ctx.drop_database("smoke")
    print("\n".join(lines))

    failed = [r for r in rows if r.figure == "FAILED"]
    assert not failed, "\n".join(f"{r.bench}: {r.value}" for r in failed)
    assert {r.bench for r in rows} == set(BENCHMARKS)
    for row in rows:
        assert len(row.cells()) == 7
        assert row.value and row.value != "-", row
        assert any(ch.isdigit() for ch in row.value), row
        if row.met is not None:
            assert row.target != "-", row
