"""Program rules and what each role sees (scoped queries), plus calendar and discretion."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from coordinator import policy
from coordinator.domain.calendar import in_quiet_hours, is_day_off, next_sms_time, to_local
from coordinator.domain.discretion import sensitive_words_in
from coordinator.domain.programs import (
    activate_program,
    close_program,
    create_program,
    update_program,
)
from coordinator.errors import Conflict, InvalidInput
from coordinator.extensions import db
from coordinator.models import Action, AuditEntry, Event
from tests.domain.factories import (
    CENGKARENG,
    TAMBORA,
    kelurahan_of,
    make_action,
    make_person,
    make_program,
)


def test_program_lifecycle_with_audit_and_events(seeded) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", TAMBORA)
    program = create_program(actor=lead, title=" Sosialisasi  sekolah ", description="",
                             public_title=" Kegiatan  sekolah ",
                             category="prevention", year=2022, region_code=TAMBORA)
    assert (program.title, program.status, program.owner_id) == ("Sosialisasi sekolah", "draft", lead.id)
    assert program.public_title == "Kegiatan sekolah"
    update_program(program.id, actor=lead, title="Sosialisasi SD", region_code=kelurahan_of(TAMBORA)[0])
    activate_program(program.id, actor=lead)
    with pytest.raises(Conflict):  # the region of an active program is fixed
        update_program(program.id, actor=lead, region_code=TAMBORA)
    close_program(program.id, actor=lead)
    with pytest.raises(Conflict):
        activate_program(program.id, actor=lead)
    with pytest.raises(Conflict):
        update_program(program.id, actor=lead, title="Lagi")
    types = db.session.scalars(select(Event.type).order_by(Event.id)).all()
    assert types == ["ProgramCreated", "ProgramUpdated", "ProgramActivated", "ProgramClosed"]
    audits = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [a.operation for a in audits] == ["create", "update", "activate", "close"]
    assert audits[1].before["title"] == "Sosialisasi sekolah" and audits[1].after["title"] == "Sosialisasi SD"


def test_program_input_errors(seeded) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", TAMBORA)
    with pytest.raises(InvalidInput) as err:
        create_program(actor=lead, title="", public_title="", description="", category="party",
                       year=1999, region_code="00")
    assert set(err.value.fields) == {"title", "public_title", "category", "year", "region_code"}
    with pytest.raises(InvalidInput):  # outside the lead's subtree: it does not exist for them
        create_program(actor=lead, title="x", public_title="x", description="", category="sop",
                       year=2022,
                       region_code=CENGKARENG)


def test_each_role_sees_only_its_scope(seeded) -> None:  # type: ignore[no-untyped-def]
    kel_a, kel_b = kelurahan_of(TAMBORA)[0], kelurahan_of(CENGKARENG)[0]
    admin, city = make_person("admin", "31"), make_person("lead", "31.73")
    kec, coordinator = make_person("lead", TAMBORA), make_person("coordinator", kel_a)
    cadre, cadre_b = make_person("cadre", kel_a), make_person("cadre", kel_b)
    city_program = make_program(city)
    a, b = make_action(city_program, kel_a, cadre), make_action(city_program, kel_b, cadre_b)
    unassigned = make_action(city_program, kel_a)

    def actions(p):  # type: ignore[no-untyped-def]
        return set(db.session.scalars(policy.scoped_actions(p).with_only_columns(
            Action.id)))

    assert actions(admin) == actions(city) == {a.id, b.id, unassigned.id}
    assert actions(kec) == actions(coordinator) == {a.id, unassigned.id}
    assert actions(cadre) == {a.id}
    people = {p.id for p in db.session.scalars(policy.scoped_people(coordinator))}
    assert people == {coordinator.id, cadre.id}
    # A city-wide program is visible to the kecamatan lead whose kelurahan it covers.
    assert policy.get_program_or_404(kec, city_program.id) is city_program
    kec.active = False
    assert actions(kec) == set()


def test_calendar_quiet_hours_and_days_off(app) -> None:  # type: ignore[no-untyped-def]
    late = datetime(2022, 3, 1, 15, 30, tzinfo=UTC)  # 22:30 WIB
    assert in_quiet_hours(late)
    morning = next_sms_time(late)
    assert to_local(morning).isoformat() == "2022-03-02T07:00:00+07:00"
    early = datetime(2022, 3, 1, 23, 0, tzinfo=UTC)  # 06:00 WIB the next day
    assert to_local(next_sms_time(early)).isoformat() == "2022-03-02T07:00:00+07:00"
    noon = datetime(2022, 3, 1, 5, 0, tzinfo=UTC)
    assert not in_quiet_hours(noon) and next_sms_time(noon) == noon
    assert is_day_off(date(2022, 8, 17)) and not is_day_off(date(2022, 8, 16))


def test_extra_days_off_come_from_config(make_app) -> None:  # type: ignore[no-untyped-def]
    with make_app(extra_days_off=("2022-08-16",)).app_context():
        assert is_day_off(date(2022, 8, 16))


def test_sensitive_words_use_the_configured_list_however_spelt(app) -> None:  # type: ignore[no-untyped-def]
    assert sensitive_words_in("Data KORBAN dan perdagangan   orang") == ["korban", "perdagangan orang"]
    # A derived form counts (the rule errs towards refusing; a title can be reworded).
    assert sensitive_words_in("Korbankan waktu untuk penyuluhan") == ["korban"]
    assert sensitive_words_in("Penyuluhan keluarga di RPTRA") == []
    assert sensitive_words_in(None) == []
