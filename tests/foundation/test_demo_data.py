"""`sinergi demo`: Jakarta Barat's people and one active program with actions in every state."""
from __future__ import annotations

from datetime import UTC, datetime

import phonenumbers
import pytest
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash

from coordinator.domain.overdue import action_is_overdue
from coordinator.extensions import db
from coordinator.models import (
    Action,
    AuditEntry,
    CaseStat,
    Event,
    Person,
    Program,
    person_networks,
)
from coordinator.seeding.demo import (
    DEMO_PASSWORD,
    PROGRAM_TITLE,
    DemoNotLoaded,
    DemoSummary,
    load_demo,
)

NOW = datetime(2022, 6, 15, 3, 0, tzinfo=UTC)


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_the_demo_is_jakarta_barats_people_and_one_program_in_every_state(seeded) -> None:
    """One load, checked from every side (loading the demo is the slow part)."""
    summary = load_demo(now=NOW)
    _demo_has_a_lead_an_admin_coordinators_and_cadres_of_jakarta_barat(summary)
    _demo_people_have_valid_unique_indonesian_mobile_numbers(summary)
    _staff_log_in_with_the_documented_demo_password(summary)
    _demo_program_has_actions_in_every_state(summary)
    _demo_writes_the_outbox_events_and_audit_entries_of_its_changes(summary)


def _demo_has_a_lead_an_admin_coordinators_and_cadres_of_jakarta_barat(summary: DemoSummary) -> None:
    roles = dict(db.session.execute(select(Person.role, func.count()).group_by(Person.role)).all())
    assert roles == {"admin": 1, "lead": 2, "coordinator": 56, "cadre": 280}
    assert summary.people == 339
    leads = set(db.session.scalars(select(Person.region_code).where(Person.role == "lead")))
    assert leads == {"31.73", "31.73.04"}
    coordinator_regions = list(
        db.session.scalars(select(Person.region_code).where(Person.role == "coordinator"))
    )
    assert len(set(coordinator_regions)) == 56
    assert all(code.startswith("31.73.") and code.count(".") == 3 for code in coordinator_regions)
    per_kelurahan = db.session.execute(
        select(Person.region_code, func.count()).where(Person.role == "cadre")
        .group_by(Person.region_code)
    ).all()
    assert len(per_kelurahan) == 56 and {n for _, n in per_kelurahan} == {5}


def _demo_people_have_valid_unique_indonesian_mobile_numbers(summary: DemoSummary) -> None:
    phones = list(db.session.scalars(select(Person.phone)))
    assert len(phones) == len(set(phones)) == 339
    for phone in phones:
        parsed = phonenumbers.parse(phone)
        assert phone.startswith("+628") and phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE, phone
    languages = dict(
        db.session.execute(select(Person.language, func.count()).group_by(Person.language)).all()
    )
    assert languages["id"] > 250 and 0 < languages["en"] < 60
    assert 0 < count(Person, Person.role == "cadre", Person.email.is_not(None)) < 280
    assert count(person_networks) >= 280
    assert all(len(p.networks) >= 1 for p in db.session.scalars(
        select(Person).where(Person.role == "cadre")))


def _staff_log_in_with_the_documented_demo_password(summary: DemoSummary) -> None:
    staff = db.session.scalars(select(Person).where(Person.role != "cadre")).all()
    assert len(staff) == 59
    assert all(p.email for p in staff)
    # One scrypt hash of the one demo password (checking it 59 times would only cost time).
    hashes = {p.password_hash for p in staff}
    assert len(hashes) == 1
    assert check_password_hash(hashes.pop(), DEMO_PASSWORD)
    assert count(Person, Person.role == "cadre", Person.password_hash.is_not(None)) == 0


def _demo_program_has_actions_in_every_state(summary: DemoSummary) -> None:
    program = db.session.scalars(select(Program)).one()
    assert (program.title, program.status, program.region_code) == (
        PROGRAM_TITLE, "active", "31.73")
    assert program.owner.role == "lead" and program.owner.region_code == "31.73"
    actions = db.session.scalars(select(Action)).all()
    assert len(actions) == summary.actions == 280
    overdue = [a for a in actions if action_is_overdue(a, NOW)]
    upcoming = [a for a in actions if a.status == "open" and not action_is_overdue(a, NOW)]
    done = [a for a in actions if a.status == "done"]
    cancelled = [a for a in actions if a.status == "cancelled"]
    assert overdue and upcoming and done and cancelled
    assert summary.by_state == {"open": len(upcoming), "overdue": len(overdue),
                                "done": len(done), "cancelled": len(cancelled)}
    assert all(a.completed_at <= NOW and a.completed_by_id == a.assignee_id for a in done)
    assert all(a.assignee.region_code == a.kelurahan_code for a in actions)
    open_codes = [a.public_code for a in actions if a.status == "open"]
    assert len(open_codes) == len(set(open_codes))


def _demo_writes_the_outbox_events_and_audit_entries_of_its_changes(summary: DemoSummary) -> None:
    types = dict(db.session.execute(select(Event.type, func.count()).group_by(Event.type)).all())
    assert types["ActionAssigned"] == 280
    assert types["ActionCompleted"] == summary.by_state["done"]
    assert types["ActionCancelled"] == summary.by_state["cancelled"]
    assert types["ProgramActivated"] == types["ProgramCreated"] == 1
    assert types["PersonCreated"] == 339
    # The actions already past due are declared overdue, as the sweep would.
    assert types["ActionOverdue"] == summary.by_state["overdue"]
    assert count(Event, Event.published_at.is_(None)) == sum(types.values())
    operations = dict(db.session.execute(
        select(AuditEntry.operation, func.count()).group_by(AuditEntry.operation)).all())
    assert operations["assign"] == 280 and operations["complete"] == summary.by_state["done"]
    assert operations["create"] == 339 + 1


def test_demo_is_deterministic(seeded):
    load_demo(now=NOW)
    first = _snapshot()
    for table in (Event, AuditEntry, Action, Program, person_networks, Person):
        db.session.execute(delete(table))
    db.session.commit()
    load_demo(now=NOW)
    assert _snapshot() == first


def _snapshot() -> tuple[list, list]:
    people = db.session.execute(
        select(Person.name, Person.role, Person.region_code, Person.phone, Person.email,
               Person.language, Person.rt, Person.rw).order_by(Person.id)).all()
    actions = db.session.execute(
        select(Action.kelurahan_code, Action.title, Action.status, Action.due_at,
               Action.public_code, Action.people_reached).order_by(Action.id)).all()
    return people, actions


def test_demo_loads_only_into_a_database_without_people(seeded, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo loaded: 339 people" in first.output
    assert DEMO_PASSWORD in first.output and "kota@jakbar.example.org" in first.output
    assert "Demo case statistics:" in first.output and count(CaseStat) > 0
    events = count(Event)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "Demo not loaded: the database already has people" in second.output
    assert count(Person) == 339 and count(Event) == events


def test_building_the_demo_rollups_reports_no_drift(seeded, runner, caplog):
    from coordinator.models import RollupDrift, RollupRun
    from coordinator.rollups import recompute_all

    assert runner.invoke(args=["demo"]).exit_code == 0
    assert count(RollupRun) == 1 and count(RollupDrift) == 0
    assert "ROLLUP DRIFT" not in caplog.text
    # The rollups it built are exact: a real recompute finds nothing to correct.
    assert recompute_all().drift_count == 0


def test_demo_needs_the_seeded_regions(app):
    with pytest.raises(DemoNotLoaded, match="sinergi seed"):
        load_demo(now=NOW)
    assert count(Person) == 0


def test_the_home_page_shows_jakarta_barat_but_no_program_title(seeded, client):
    load_demo(now=NOW)
    page = client.get("/").get_data(as_text=True)
    assert PROGRAM_TITLE not in page  # staff words (the demo's names TPPO): never to anonymous
    assert "1 program sedang berjalan" in page
    for kecamatan in ("Cengkareng", "Grogol Petamburan", "Taman Sari", "Tambora", "Kebon Jeruk",
                      "Kalideres", "Pal Merah", "Kembangan"):
        assert kecamatan in page
