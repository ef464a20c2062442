"""The dashboard migration fills ``reported`` for the rollup rows of an existing database (one
per kelurahan row, summed up the tree) and gives the seeded indicators their rules, so the
nightly recompute finds no drift the day after the upgrade."""
from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from coordinator.extensions import db
from coordinator.rollups import recompute_all
from tests.foundation.test_schema_migrations import MIGRATIONS, app_on

ROWS = (  # (region, count) of one indicator and month, as the old handler left them
    ("31.73.01.1001", 2), ("31.73.01.1002", 0), ("31.73.02.1001", 5),
    ("31.73.01", 2), ("31.73.02", 5), ("31.73", 7), ("31", 7), ("ID", 7),
)
REGIONS = (
    ("31", None, "province"), ("31.73", "31", "city"), ("31.73.01", "31.73", "kecamatan"),
    ("31.73.02", "31.73", "kecamatan"), ("31.73.01.1001", "31.73.01", "kelurahan"),
    ("31.73.01.1002", "31.73.01", "kelurahan"), ("31.73.02.1001", "31.73.02", "kelurahan"),
)


def test_the_upgrade_fills_reported_and_the_recompute_agrees(tmp_path: Path) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'old.db'}", tmp_path / "instance")
    with app.app_context():
        try:
            upgrade(directory=str(MIGRATIONS), revision="0002_dead_letters_leases")
            run = db.session.execute
            for code, parent, level in REGIONS:
                run(text("INSERT INTO regions (code, name, level, parent_code) "
                         "VALUES (:c, :c, :l, :p)"), {"c": code, "l": level, "p": parent})
            for code in ("ktpa_victims", "tppo_victims"):
                run(text("INSERT INTO indicators (code, name_id, name_en, unit, active) "
                         "VALUES (:c, :c, :c, 'korban', true)"), {"c": code})
            for code, _parent, level in REGIONS:
                if level == "kelurahan":
                    count = dict(ROWS)[code]
                    run(text("INSERT INTO case_stats (kelurahan_code, indicator_id, month, count, "
                             "recorded_at) VALUES (:k, 1, '2022-03-01', :n, '2022-04-01')"),
                        {"k": code, "n": count})
            for code, count in ROWS:
                run(text("INSERT INTO indicator_rollups (indicator_id, region_code, year, month, "
                         "count) VALUES (1, :r, 2022, 3, :n)"), {"r": code, "n": count})
            db.session.commit()
            upgrade(directory=str(MIGRATIONS))
            reported = dict(run(text("SELECT region_code, reported FROM indicator_rollups")).all())
            assert reported == {"31.73.01.1001": 1, "31.73.01.1002": 1, "31.73.02.1001": 1,
                                "31.73.01": 2, "31.73.02": 1, "31.73": 3, "31": 3, "ID": 3}
            rules = dict(run(text("SELECT code, within_code FROM indicators")).all())
            assert rules == {"ktpa_victims": None, "tppo_victims": "ktpa_victims"}
            db.session.commit()
            assert recompute_all().drift_count == 0
        finally:
            db.session.remove()
            db.engine.dispose()
