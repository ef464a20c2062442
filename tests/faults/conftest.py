"""Fault-test fixtures: each scenario gets its own database, its own Redis (which it may kill),
a loopback SMS provider and an SMTP sink, and real web, worker and beat processes."""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from coordinator.extensions import db
from tests.conftest import PG_URL, REQUIRE_SERVICES, need_postgres
from tests.faults.cluster import Cluster
from tests.faults.services import PrivateRedis, drop_database, scenario_database, smtp_sink

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test alone, on a free loopback port."""
    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("redis-server not found: apt-get install redis-server")
        pytest.skip("redis-server not found")
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def scenario_db() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database for the scenario on the configured server: (url, name)."""
    need_postgres()
    name = PG_URL.rsplit("/", 1)[1].split("?")[0] + "_fault"
    url = scenario_database(PG_URL, name)
    yield url, name
    drop_database(PG_URL, name)


@pytest.fixture
def smtp() -> Iterator[tuple[object, int]]:
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
def make_cluster(tmp_path: Path) -> Iterator[Callable[..., Cluster]]:
    """Build the scenario's deployment; every process is stopped after the test."""
    clusters: list[Cluster] = []

    def build(database_url: str, broker_url: str, **env: str) -> Cluster:
        cluster = Cluster(tmp_path, database_url, broker_url, **env)
        clusters.append(cluster)
        return cluster

    yield build
    for cluster in clusters:
        cluster.stop_all()
        with cluster.app.app_context():
            db.engine.dispose()
