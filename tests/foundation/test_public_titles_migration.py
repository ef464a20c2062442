"""The public-title migration never copies a staff title: programs get a neutral title from
their category, actions "Kegiatan <network>" or else their program's public title."""
from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from coordinator.extensions import db
from tests.foundation.test_schema_migrations import MIGRATIONS, app_on


def test_the_upgrade_gives_existing_rows_neutral_public_titles(tmp_path: Path) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'old.db'}", tmp_path / "instance")
    with app.app_context():
        try:
            upgrade(directory=str(MIGRATIONS), revision="0004_sessions_and_tokens")
            run = db.session.execute
            run(text("INSERT INTO regions (code, name, level) VALUES ('31', 'DKI', 'province')"))
            run(text("INSERT INTO people (id, name, role, region_code, created_at) "
                     "VALUES (1, 'Lead', 'lead', '31', '2022-01-01')"))
            run(text("INSERT INTO networks (id, slug, name) VALUES (1, 'pkk', 'PKK')"))
            for pid, title, category in ((1, "Sosialisasi pencegahan TPPO", "prevention"),
                                         (2, "Pendampingan korban kekerasan", "handling")):
                run(text("INSERT INTO programs (id, title, category, year, region_code, owner_id, "
                         "created_at, updated_at) VALUES (:i, :t, :c, 2022, '31', 1, "
                         "'2022-01-01', '2022-01-01')"), {"i": pid, "t": title, "c": category})
            for aid, pid, network in ((1, 1, 1), (2, 2, None)):
                run(text("INSERT INTO actions (id, program_id, title, kelurahan_code, network_id, "
                         "due_at, public_code, created_at, updated_at) VALUES (:i, :p, "
                         "'Pendampingan korban', '31', :n, '2022-03-01', :code, '2022-01-01', "
                         "'2022-01-01')"), {"i": aid, "p": pid, "n": network, "code": f"AB{aid}C"})
            db.session.commit()
            upgrade(directory=str(MIGRATIONS))
            programs = dict(run(text("SELECT id, public_title FROM programs")).all())
            actions = dict(run(text("SELECT id, public_title FROM actions")).all())
            assert programs == {1: "Kegiatan sosialisasi", 2: "Kegiatan gugus tugas"}
            assert actions == {1: "Kegiatan PKK", 2: "Kegiatan gugus tugas"}
        finally:
            db.session.remove()
            db.engine.dispose()
