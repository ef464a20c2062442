"""Bulk assignment: exact counts across Jakarta Barat, recurrence, idempotency, preview flags."""
from __future__ import annotations

from collections import Counter
from datetime import date, time

import pytest
from sqlalchemy import func, select

from coordinator.domain.bulk import (
    BulkRequest,
    assign_actions_in_bulk,
    occurrences,
    preview_bulk_assignment,
)
from coordinator.errors import InvalidInput
from coordinator.extensions import db
from coordinator.models import Action, AuditEntry, BulkAssignment, Event, Network, Person, Region
from coordinator.models.people import person_networks
from tests.domain.factories import TAMBORA, kelurahan_of, make_person, make_program

CITY = "31.73"


def count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def insert_cadres(rows: list[dict[str, object]], memberships: list[tuple[int, int]]) -> None:
    db.session.execute(Person.__table__.insert(), rows)
    db.session.execute(person_networks.insert(), [
        {"person_id": p, "network_id": n} for p, n in memberships])
    db.session.commit()


def populate_city(networks: list[Network], kelurahan: list[str]) -> dict[tuple[str, int], int]:
    """Cadres with a varied pattern: per (kelurahan, network) 0..3 cadres, some in two networks,
    some inactive, some coordinators (who never get bulk actions). Returns active cadres per pair."""
    people, memberships, expected = [], [], Counter()
    person_id = 10_000
    for k_index, kel in enumerate(kelurahan):
        for n_index, network in enumerate(networks):
            for i in range((k_index + n_index) % 4):
                person_id += 1
                active = (k_index * 7 + n_index + i) % 11 != 0
                people.append({"id": person_id, "name": f"Kader {person_id}", "role": "cadre",
                               "region_code": kel, "active": active, "language": "id",
                               "channel_preference": "sms", "failed_logins": 0})
                memberships.append((person_id, network.id))
                if active:
                    expected[(kel, network.id)] += 1
                if i == 0 and n_index + 1 < len(networks) and active:  # also in the next network
                    memberships.append((person_id, networks[n_index + 1].id))
                    expected[(kel, networks[n_index + 1].id)] += 1
        person_id += 1
        people.append({"id": person_id, "name": f"Koordinator {person_id}", "role": "coordinator",
                       "region_code": kel, "active": True, "language": "id",
                       "channel_preference": "sms", "failed_logins": 0})
        memberships.append((person_id, networks[0].id))
    insert_cadres(people, memberships)
    return expected


def test_bulk_across_56_kelurahan_and_8_networks_has_exact_counts(seeded, early_2022) -> None:  # type: ignore[no-untyped-def]
    kelurahan = list(db.session.scalars(select(Region.code).where(
        Region.level == "kelurahan", Region.code.like(CITY + ".%")).order_by(Region.code)))
    networks = list(db.session.scalars(select(Network).order_by(Network.id)))
    assert (len(kelurahan), len(networks)) == (56, 8)
    expected = populate_city(networks, kelurahan)
    lead = make_person("lead", CITY)
    program = make_program(lead)
    request = BulkRequest(program_id=program.id, network_ids=tuple(n.id for n in networks),
                          region_codes=(CITY,), due_date=date(2022, 3, 15), due_time=time(17),
                          title="Sosialisasi pencegahan", recurrence="monthly",
                          until=date(2022, 6, 30), idempotency_key="city-march-june")
    pairs = len(kelurahan) * len(networks)
    cadre_slots = sum(expected.values())
    empty_pairs = sum(1 for k in kelurahan for n in networks if not expected[(k, n.id)])
    per_occurrence = cadre_slots + empty_pairs
    assert 0 < empty_pairs < pairs

    preview = preview_bulk_assignment(request, actor=lead)
    assert preview.action_count == 4 * per_occurrence
    assert preview.unassigned_count == 4 * empty_pairs
    assert preview.kelurahan_count == 56
    assert count(Action) == 0

    result = assign_actions_in_bulk(request, actor=lead)
    assert result.created == 4 * per_occurrence and not result.already_submitted
    assert count(Action) == 4 * per_occurrence
    assert db.session.scalar(select(func.count()).select_from(Action).where(
        Action.assignee_id.is_(None))) == 4 * empty_pairs
    assert count(Event) - 2 == 4 * per_occurrence  # + ProgramCreated, ProgramActivated
    by_pair = Counter(tuple(row) for row in db.session.execute(
        select(Action.kelurahan_code, Action.network_id).where(Action.assignee_id.is_not(None))))
    assert by_pair == Counter({pair: n * 4 for pair, n in expected.items() if n})
    codes = db.session.scalars(select(Action.public_code)).all()
    assert len(set(codes)) == len(codes)

    again = assign_actions_in_bulk(request, actor=lead)
    assert again.already_submitted and again.created == 0
    assert count(Action) == 4 * per_occurrence and count(BulkAssignment) == 1


def test_preview_flags_days_off_and_sensitive_titles(seeded, early_2022) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", CITY)
    program = make_program(lead)
    pkk = db.session.scalars(select(Network).where(Network.slug == "pkk")).one()
    kel = kelurahan_of(TAMBORA)[0]
    make_person("cadre", kel, networks=("pkk",))
    request = BulkRequest(program_id=program.id, network_ids=(pkk.id,), region_codes=(TAMBORA,),
                          due_date=date(2022, 8, 10), title="Data korban TPPO",
                          recurrence="weekly", until=date(2022, 8, 31))
    preview = preview_bulk_assignment(request, actor=lead)
    assert [d.date for d in preview.days_off] == [date(2022, 8, 17)]
    assert set(preview.sensitive_words) == {"korban", "TPPO"}
    kelurahan = len(kelurahan_of(TAMBORA))
    assert preview.action_count == 4 * kelurahan and preview.cadre_count == 1
    assert preview.summary() == f"{4 * kelurahan} actions for 1 cadres in {kelurahan} kelurahan"


def test_recurrence_clamps_month_ends_and_counts_weeks() -> None:
    monthly = BulkRequest(1, (1,), ("x",), date(2022, 1, 31), "t", recurrence="monthly",
                          until=date(2022, 5, 31))
    assert occurrences(monthly) == [date(2022, 1, 31), date(2022, 2, 28), date(2022, 3, 31),
                                    date(2022, 4, 30), date(2022, 5, 31)]
    weekly = BulkRequest(1, (1,), ("x",), date(2022, 3, 1), "t", recurrence="weekly",
                         until=date(2022, 3, 29))
    assert len(occurrences(weekly)) == 5


def test_bad_bulk_requests_name_their_fields_and_write_nothing(seeded, early_2022) -> None:  # type: ignore[no-untyped-def]
    lead = make_person("lead", TAMBORA)
    program = make_program(lead, TAMBORA)
    bad = BulkRequest(program_id=program.id, network_ids=(), region_codes=("31.73.01",),
                      due_date=date(2022, 3, 1), title=" ", recurrence="weekly", until=None)
    with pytest.raises(InvalidInput) as err:
        assign_actions_in_bulk(bad, actor=lead)
    assert set(err.value.fields) == {"network_ids", "title", "until"}
    pkk = db.session.scalars(select(Network).where(Network.slug == "pkk")).one()
    outside = BulkRequest(program_id=program.id, network_ids=(pkk.id,), region_codes=("31.73.01",),
                          due_date=date(2022, 3, 1), title="Penyuluhan")
    with pytest.raises(InvalidInput) as err:
        assign_actions_in_bulk(outside, actor=lead)
    assert "region_codes" in err.value.fields
    assert count(Action) == 0 and count(BulkAssignment) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_type == "action")) == 0


def test_two_concurrent_submissions_of_one_key_create_once(seeded) -> None:  # type: ignore[no-untyped-def]
    import threading

    from flask import current_app

    lead = make_person("lead", CITY)
    program = make_program(lead)
    pkk = db.session.scalars(select(Network).where(Network.slug == "pkk")).one()
    request = BulkRequest(program_id=program.id, network_ids=(pkk.id,), region_codes=(TAMBORA,),
                          due_date=date(2030, 3, 15), title="Penyuluhan",
                          idempotency_key="race-key-0001")
    app = current_app._get_current_object()
    barrier, results, errors = threading.Barrier(2), [], []

    def submit() -> None:
        with app.app_context():
            try:
                actor = db.session.get(Person, lead.id)
                barrier.wait(timeout=10)
                results.append(assign_actions_in_bulk(request, actor=actor))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert sorted(r.already_submitted for r in results) == [False, True]
    created = next(r.created for r in results if not r.already_submitted)
    assert created == len(kelurahan_of(TAMBORA)) and count(Action) == created
    assert count(BulkAssignment) == 1


def test_previewing_for_a_draft_program_warns_and_confirming_is_a_conflict(seeded) -> None:  # type: ignore[no-untyped-def]
    from coordinator.errors import Conflict

    lead = make_person("lead", CITY)
    draft = make_program(lead, active=False)
    pkk = db.session.scalars(select(Network).where(Network.slug == "pkk")).one()
    request = BulkRequest(program_id=draft.id, network_ids=(pkk.id,), region_codes=(TAMBORA,),
                          due_date=date(2030, 3, 15), title="Penyuluhan")
    preview = preview_bulk_assignment(request, actor=lead)
    assert preview.warnings[0].startswith("the program is draft")
    with pytest.raises(Conflict):
        assign_actions_in_bulk(request, actor=lead)
    assert count(Action) == 0 and count(BulkAssignment) == 0
