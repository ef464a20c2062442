"""Migrations: an empty database upgrades to head with no difference from the models, and back."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, make_url, text

from coordinator import create_app
from coordinator.extensions import db
from tests.support import server_admin

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
PG_URL = __import__("os").environ.get("DATABASE_URL", "")


def render_item(type_, obj, autogen_context):  # the same rendering as migrations/env.py
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime()"
    return False


@pytest.fixture(autouse=True)
def _keep_loggers_enabled() -> Iterator[None]:
    # env.py's logging.config.fileConfig disables every logger it does not name.
    yield
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    """An EMPTY database of each kind (PostgreSQL: a throwaway ``<test db>_mig``)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not PG_URL.startswith("postgresql"):
        pytest.skip("DATABASE_URL does not name a PostgreSQL server")
    url = make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_mig"
    with server_admin(PG_URL) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server_admin(PG_URL) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def app_on(url: str, instance: Path):
    return create_app(environ={
        "SINERGI_ENV": "test", "SINERGI_INSTANCE_DIR": str(instance), "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
    })


def schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_item": render_item}
        )
        return compare_metadata(context, db.metadata)


def describe(item: object) -> str:
    """One line per autogenerate difference: ``add_table people``, ``modify_type ...``."""
    if isinstance(item, list):
        return "; ".join(map(describe, item))
    op, *args = item  # type: ignore[misc]
    names = [getattr(a, "name", None) or str(a) for a in args if a is not None]
    return f"{op} {' '.join(str(n) for n in names)}"[:200]


def test_upgrade_to_head_matches_the_models_and_downgrade_removes_everything(
    empty_database, tmp_path
):
    app = app_on(empty_database, tmp_path / "instance")
    with app.app_context():
        try:
            assert inspect(db.engine).get_table_names() == []
            upgrade(directory=str(MIGRATIONS))
            tables = set(inspect(db.engine).get_table_names())
            assert {"regions", "people", "actions", "events", "notifications"} <= tables
            diff = schema_diff()
            assert not diff, "models differ from the migrations:\n" + "\n".join(
                map(describe, diff)
            )
            downgrade(directory=str(MIGRATIONS), revision="base")
            assert set(inspect(db.engine).get_table_names()) - {"alembic_version"} == set()
        finally:
            db.session.remove()
            db.engine.dispose()


def test_migrations_have_a_single_head():
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
