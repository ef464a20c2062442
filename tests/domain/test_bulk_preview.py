"""The bulk preview by name (who gets what, which kelurahan stay unassigned and who is asked to
assign them), its cost, and the one rule that refuses a due date in the past."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event, func, select

from coordinator.domain import calendar
from coordinator.domain.bulk import BulkRequest, assign_actions_in_bulk, preview_bulk_assignment
from coordinator.domain.validation import check_due_not_past, due_at_is_past
from coordinator.errors import InvalidInput
from coordinator.extensions import db
from coordinator.models import Action, utcnow
from coordinator.policy.limits import PAST_DUE_GRACE
from tests.domain.factories import TAMBORA, kelurahan_of, make_person, make_program, network

CITY = "31.73"


def _request(program_id: int, regions: tuple[str, ...], *, due: date | None = None,
             at: time = time(17), networks: tuple[str, ...] = ("pkk",)) -> BulkRequest:
    return BulkRequest(program_id=program_id, network_ids=tuple(network(n).id for n in networks),
                       region_codes=regions, due_date=due or date.today() + timedelta(days=10),
                       due_time=at, title="Penyuluhan warga")


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_preview_names_cadres_per_kelurahan_and_the_coordinators_of_unassigned_ones(seeded) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", CITY)
    program = make_program(lead)
    first, second, *rest = kelurahan_of(TAMBORA)
    make_person("cadre", first, networks=("pkk",), name="Ibu Sari")
    make_person("cadre", first, networks=("pkk", "dasawisma"), name="Ibu Ani")
    make_person("cadre", second, networks=("dasawisma",), name="Ibu Tuti")  # other network
    make_person("coordinator", second, name="Pak Kasi Kedua")
    make_person("cadre", first, networks=("pkk",), name="Ibu Pasif", active=False)

    preview = preview_bulk_assignment(_request(program.id, (TAMBORA,)), actor=lead)

    [tambora] = preview.areas
    assert tambora.code == TAMBORA and tambora.name.upper().endswith("TAMBORA")
    assert [k.code for k in tambora.kelurahan] == kelurahan_of(TAMBORA)
    one, two = tambora.kelurahan[0], tambora.kelurahan[1]
    assert [(c.name, c.network) for c in one.cadres] == [("Ibu Ani", "PKK"), ("Ibu Sari", "PKK")]
    assert one.unassigned_networks == [] and one.actions == 2
    assert two.cadres == [] and two.unassigned_networks == ["PKK"]
    assert two.coordinators == ["Pak Kasi Kedua"]
    assert len(tambora.unassigned_kelurahan) == 1 + len(rest)
    assert sum(k.actions for k in tambora.kelurahan) == preview.action_count


def test_preview_costs_the_same_queries_for_one_kelurahan_or_eleven_ticked_one_by_one(seeded) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", CITY)
    program = make_program(lead)
    kelurahan = kelurahan_of(TAMBORA)
    for code in kelurahan:
        make_person("cadre", code, networks=("pkk",))
        make_person("coordinator", code)
    just_one, all_eleven = (_request(program.id, (kelurahan[0],)),
                            _request(program.id, tuple(kelurahan)))
    with counted_statements() as one:
        preview_bulk_assignment(just_one, actor=lead)
    with counted_statements() as eleven:
        preview_bulk_assignment(all_eleven, actor=lead)
    assert len(kelurahan) == 11
    assert len(eleven) == len(one)
    # the actor reloaded, program, networks, regions (2), cadres; then the names: networks,
    # people, regions. Constant: no query per region or per kelurahan.
    assert len(one) <= 10, one


def test_a_due_date_in_the_past_is_refused_for_people_and_writes_nothing(seeded) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", CITY)
    program = make_program(lead)
    yesterday = calendar.local_now().date() - timedelta(days=1)
    past = _request(program.id, (TAMBORA,), due=yesterday)
    for attempt in (preview_bulk_assignment, assign_actions_in_bulk):
        with pytest.raises(InvalidInput) as err:
            attempt(past, actor=lead)
        assert set(err.value.fields) == {"due_date"}
        assert "past" in err.value.fields["due_date"][0]
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0
    # The system loading history (no actor) may.
    assert preview_bulk_assignment(past, actor=None).action_count == len(kelurahan_of(TAMBORA))


def test_a_due_time_earlier_today_is_accepted_within_the_grace_only(seeded) -> None:  # type: ignore[no-untyped-def]
    import time_machine

    lead = make_person("lead", CITY)
    program = make_program(lead)
    ten_wib = calendar.local_datetime(date(2030, 3, 13), time(10))
    with time_machine.travel(ten_wib, tick=False):
        preview_bulk_assignment(_request(program.id, (TAMBORA,), due=date(2030, 3, 13),
                                         at=time(9)), actor=lead)
        with pytest.raises(InvalidInput):
            preview_bulk_assignment(_request(program.id, (TAMBORA,), due=date(2030, 3, 13),
                                             at=time(7)), actor=lead)


def test_the_past_due_rule_has_a_few_hours_grace_and_no_more() -> None:
    now = datetime(2030, 3, 13, 3, 0, tzinfo=UTC)
    assert timedelta(0) < PAST_DUE_GRACE <= timedelta(hours=3)
    assert not due_at_is_past(now - PAST_DUE_GRACE, now)
    assert due_at_is_past(now - PAST_DUE_GRACE - timedelta(minutes=1), now)
    assert check_due_not_past(now + timedelta(days=1), now) == {}
    assert set(check_due_not_past(now - timedelta(days=1), now, field="due_date")) == {"due_date"}
    assert not due_at_is_past(utcnow() + timedelta(minutes=1))
