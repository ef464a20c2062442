"""Shared fixtures. The same tests run on SQLite and, when ``DATABASE_URL`` names a
PostgreSQL server, on PostgreSQL too (the ``backend`` parameter).

With ``SINERGI_REQUIRE_SERVICES=1`` (set by ``.ci/run``) a PostgreSQL or Redis server that
cannot be reached fails the run instead of skipping the tests that need it.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, make_url, text

from coordinator import create_app
from coordinator.config import load_config
from coordinator.extensions import db, limiter
from tests.support import FreshGClient, clean_tables, server_admin

REQUIRE_SERVICES = os.environ.get("SINERGI_REQUIRE_SERVICES") == "1"
# Under pytest-xdist (``make test`` runs two processes) each process has a database and a
# Redis database of its own, named from the configured ones: ``<database>_gw1``, Redis
# database N-1. The URLs are put back in the environment for the processes tests start.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database_url(url: str, worker: str) -> str:
    if not (url.startswith("postgresql") and worker):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(
        hide_password=False)


def _worker_redis_url(url: str, worker: str) -> str:
    base, _, index = url.rpartition("/")
    if not (worker and base.startswith("redis") and index.isdigit()):
        return url
    return f"{base}/{(int(index) - int(worker.removeprefix('gw'))) % 16}"


PG_URL = os.environ.get("DATABASE_URL", "")
PG_URL = _worker_database_url(PG_URL if PG_URL.startswith("postgresql") else "", XDIST_WORKER)
REDIS_URL = _worker_redis_url(os.environ.get("REDIS_URL", ""), XDIST_WORKER)
if XDIST_WORKER:
    os.environ.update({k: v for k, v in (("DATABASE_URL", PG_URL), ("REDIS_URL", REDIS_URL))
                       if v})


def _postgres_error() -> str | None:
    if not PG_URL:
        return "DATABASE_URL does not name a PostgreSQL server"
    try:
        if XDIST_WORKER:
            _create_worker_database()
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL at DATABASE_URL unreachable: {exc}"
    return None


def _redis_error() -> str | None:
    if not REDIS_URL:
        return "REDIS_URL is not set"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis at REDIS_URL unreachable: {exc}"
    return None


def _create_worker_database() -> None:
    name = make_url(PG_URL).database
    with server_admin(PG_URL) as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist process drops the database it made (the configured one is left as found)."""
    if XDIST_WORKER and PG_URL and postgres_error.cache_info().currsize:
        with suppress(Exception), server_admin(PG_URL) as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(PG_URL).database}" '
                              "WITH (FORCE)"))


# Asked once, when a test first needs the server: the unit layer never touches one.
postgres_error = functools.cache(_postgres_error)
redis_error = functools.cache(_redis_error)


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_SERVICES and (postgres_error() or redis_error()):
        pytest.exit(
            f"SINERGI_REQUIRE_SERVICES=1 but: {postgres_error() or ''} {redis_error() or ''}"
            .strip(), returncode=3,
        )


def need_postgres() -> None:
    if postgres_error():
        pytest.skip(postgres_error())


def need_redis() -> None:
    if redis_error():
        pytest.skip(redis_error())


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database the test runs on; PostgreSQL runs only when a server is configured."""
    if request.param == "postgresql":
        need_postgres()
    return str(request.param)


@pytest.fixture(scope="session")
def _test_databases(tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[dict[str, tuple[str, Flask]]]:
    """Each backend's database, made with the full schema when a test first asks for it and
    kept to the end of the session. (A session-scoped fixture of ``backend`` would be torn down
    and made again whenever the backend changes: under xdist, a process changes it at every
    file, and the schema was dropped and created hundreds of times.)"""
    made: dict[str, tuple[str, Flask]] = {}
    yield made
    for _, app in made.values():
        with app.app_context():
            clean_tables()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def database_url(backend: str, _test_databases: dict[str, tuple[str, Flask]],
                 tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the backend's database, which has the full schema."""
    if backend not in _test_databases:
        if backend == "postgresql":
            url = PG_URL
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'sinergi-test.db'}"
        app = create_app(test_config(url, tmp_path_factory.mktemp("instance")))
        with app.app_context():
            db.drop_all()
            _drop_alembic_version()
            db.create_all()
            db.engine.dispose()
        _test_databases[backend] = (url, app)
    return _test_databases[backend][0]


def _drop_alembic_version() -> None:
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


def test_environ(database_url: str, instance_dir: Path, **extra: str) -> dict[str, str]:
    """The environment a test app is configured from."""
    environ = {
        "SINERGI_ENV": "test",
        "SINERGI_INSTANCE_DIR": str(instance_dir),
        "DATABASE_URL": database_url,
        "BROKER_URL": f"sqla+sqlite:///{instance_dir / 'broker.db'}",
        "SECRET_KEY": "test-secret-key-not-for-production",
        # Apps are shared between tests: small pools (one connection, two more under load).
        "SINERGI_DB_POOL_SIZE": "1",
    }
    environ.update(extra)
    return environ


test_environ.__test__ = False  # type: ignore[attr-defined]


def test_config(database_url: str, instance_dir: Path, **overrides: Any):  # type: ignore[no-untyped-def]
    return load_config(test_environ(database_url, instance_dir), **overrides)


test_config.__test__ = False  # type: ignore[attr-defined]


# Building an app costs a few hundred milliseconds (routes, the OpenAPI document): tests that
# ask for the same settings share one, reset after each test (config restored, rate counters
# emptied, database emptied). Settings that cannot be compared build a fresh app.
_SHARED_APPS: dict[tuple[str, str], tuple[Flask, dict[str, Any]]] = {}


def _shared_app(database_url: str, overrides: dict[str, Any],
                tmp_path_factory: pytest.TempPathFactory) -> Flask | None:
    try:
        key = (database_url, repr(sorted(overrides.items())))
        hash(key)
    except TypeError:
        return None
    if key not in _SHARED_APPS:
        instance = tmp_path_factory.mktemp("instance")
        app = create_app(test_config(database_url, instance, **overrides))
        _SHARED_APPS[key] = (app, dict(app.config))
    app, config = _SHARED_APPS[key]
    app.config.clear()
    app.config.update(config)
    return app


def _reset(app: Flask) -> None:
    """Forget what one test left in a shared app besides the database: its rate counters."""
    # A test's deliberately unreachable Redis keeps nothing to forget.
    with app.app_context(), suppress(Exception):
        limiter.reset()


@pytest.fixture
def make_app(
    database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Flask]]:
    """An app on the test database; keyword arguments override config fields.

    Apps with the same settings are shared between tests (see ``_SHARED_APPS``); a test
    that needs its own files (a broker file, a secret) passes settings that say so.
    """
    apps: list[Flask] = []
    fresh: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = _shared_app(database_url, overrides, tmp_path_factory)
        if app is None or app in apps:  # two apps asked by one test stand for two processes
            app = create_app(test_config(database_url, tmp_path / "instance", **overrides))
            fresh.append(app)
        apps.append(app)
        return app

    yield build
    if apps:
        # Leave the database empty for the next test, whichever way this one used it.
        with apps[0].app_context():
            clean_tables()
    for app in apps:
        _reset(app)
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                # No idle connection kept between tests: dozens of shared apps would otherwise
                # hold one each, per test process, against PostgreSQL's 100.
                db.engine.dispose()
    for app in fresh:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app with an empty database (emptied after every test), its context pushed."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = FreshGClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def redis_url() -> str:
    need_redis()
    return REDIS_URL


@pytest.fixture
def seeded(app: Flask) -> Flask:
    """The app with DKI Jakarta's regions, the eight networks, indicators and 2022 targets."""
    from coordinator.seeding.reference import seed_reference_data
    from coordinator.seeding.regions import seed_dki_jakarta

    seed_dki_jakarta()
    seed_reference_data()
    return app


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` over real HTTP on a free loopback port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("SINERGI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    if not Path(CHROMIUM).exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    """A fresh browser page at a 360 x 740 phone viewport."""
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where browser tests keep their screenshots (``test-artifacts/``)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


BROWSER_FIXTURES = {"chromium", "phone_page"}
SERVICE_FIXTURES = {"redis_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Honest markers from what a test uses: ``-m "not browser"``, ``-m "not services"`` and
    ``-m "not slow"`` select what they say. Tests on PostgreSQL or Redis are ``services``;
    tests driving Chromium are ``browser``; the unit layer (tests/unit) uses neither."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgresql"
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
        if on_postgres or fixtures & SERVICE_FIXTURES:
            item.add_marker(pytest.mark.services)
        if "tests/unit/" in item.nodeid and ({"app", "database_url", "backend"} & fixtures):
            raise pytest.UsageError(f"{item.nodeid}: the unit layer never uses a database")
