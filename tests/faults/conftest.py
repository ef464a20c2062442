"""Fault-test fixtures: each scenario gets the database as freshly seeded (seeded once per
module, put back from a snapshot before each scenario), a private Redis emptied for it (started
once per module; a test may kill it, the next one finds it running again), a loopback SMS
provider and an SMTP sink, and real web, worker and beat processes."""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coordinator.extensions import db
from tests.conftest import PG_URL, REQUIRE_SERVICES, need_postgres
from tests.faults.cluster import Cluster
from tests.faults.services import (
    PrivateRedis,
    drop_database,
    scenario_database,
    smtp_sink,
)
from tests.support import Snapshot

pytestmark = [pytest.mark.services, pytest.mark.slow]
CADRES = 30  # the PostgreSQL scenarios' burst: one action, one message each


@dataclass
class Scenario:
    """The scenario's own database and the world seeded in it."""

    url: str
    name: str
    world: dict[str, Any]


@pytest.fixture(scope="module")
def _module_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("redis-server not found: apt-get install redis-server")
        pytest.skip("redis-server not found")
    redis = PrivateRedis(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def private_redis(_module_redis: PrivateRedis) -> PrivateRedis:
    """A redis-server of the fault tests alone, on a free loopback port, running and empty."""
    if not _module_redis.running():
        _module_redis.start()
    _module_redis.flush()
    return _module_redis


@pytest.fixture(scope="module")
def _seeded_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scenario, Snapshot]]:
    """The scenarios' PostgreSQL database, seeded once (schema, regions, cadres, a lead with a
    token, an active program) and kept as a snapshot every scenario starts from."""
    need_postgres()
    name = PG_URL.rsplit("/", 1)[1].split("?")[0] + "_fault"
    url = scenario_database(PG_URL, name)
    seeder = Cluster(tmp_path_factory.mktemp("fault-seed"), url, "memory://",
                     SINERGI_RELAY_ON_COMMIT="0")  # the scenario's beat relays the events
    world = seeder.seed(CADRES)
    with seeder.app.app_context():
        db.session.remove()
        db.engine.dispose()
    yield Scenario(url, name, world), Snapshot(url, db.metadata)
    drop_database(PG_URL, name)


@pytest.fixture
def scenario_db(_seeded_world: tuple[Scenario, Snapshot]) -> Scenario:
    """The scenario's database as freshly seeded, whatever the previous scenario did to it."""
    scenario, snapshot = _seeded_world
    snapshot.restore(scenario.url)
    return Scenario(scenario.url, scenario.name, dict(scenario.world))


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
