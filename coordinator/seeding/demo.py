"""``sinergi demo``: people of Jakarta Barat and one active program with actions in every state.

Set-based: people, memberships, actions, audit entries and outbox events go in with bulk
INSERTs in one transaction, audited and evented as the rules would have
(:func:`coordinator.domain.changes.record_changes`, the rules' own snapshots); the actions past
due are declared overdue as the sweep would. A fixed random seed makes two loads identical
(given ``now``).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from coordinator.domain.actions import action_snapshot
from coordinator.domain.changes import record_changes
from coordinator.domain.codes import ALPHABET, CODE_LENGTH
from coordinator.domain.events import (
    ActionAssigned,
    ActionCancelled,
    ActionCompleted,
    PersonCreated,
    ProgramActivated,
    ProgramCreated,
)
from coordinator.domain.overdue import declare_overdue
from coordinator.domain.people import person_snapshot
from coordinator.domain.programs import program_snapshot
from coordinator.extensions import db
from coordinator.models import Action, Network, Person, Program, Region, utcnow
from coordinator.models.people import person_networks
from coordinator.policy.roles import ADMIN, CADRE, COORDINATOR, LEAD
from coordinator.seeding.demo_people import Cast, slug

DEMO_PASSWORD = "sinergi-demo"
DEMO_SEED = 2022
CITY = "31.73"
TAMBORA = "31.73.04"
CADRES_PER_KELURAHAN = 5
PROGRAM_TITLE = "Sosialisasi pencegahan TPPO 2022"
# What messages and the cadre page show: the staff title names the case ("TPPO"), this does not.
PROGRAM_PUBLIC_TITLE = "Kegiatan sosialisasi warga 2022"
ACTION_TITLES = (  # (staff title, public title)
    ("Sosialisasi pencegahan di posyandu RW {rw}", "Sosialisasi di posyandu RW {rw}"),
    ("Penyuluhan keluarga di RPTRA", "Penyuluhan keluarga di RPTRA"),
    ("Pembagian leaflet layanan pengaduan di RW {rw}", "Pembagian leaflet di RW {rw}"),
    ("Diskusi warga tentang tawaran kerja ke luar negeri", "Diskusi warga"),
    ("Kunjungan rumah ke rumah RT {rt}", "Kunjungan rumah RT {rt}"),
    ("Pemasangan poster hotline di balai warga", "Pemasangan poster di balai warga"),
)
# Weights of the states of the generated actions ("overdue" = open with due_at in the past).
STATE_WEIGHTS = {"open": 40, "done": 30, "overdue": 18, "cancelled": 12}


class DemoNotLoaded(RuntimeError):
    """The demo was not loaded (the database already has people, or no regions yet)."""


@dataclass
class DemoSummary:
    people: int = 0
    actions: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """The rows to insert, built in memory first."""

    now: datetime
    rng: random.Random
    people: list[dict[str, Any]] = field(default_factory=list)
    networks_of: list[list[int]] = field(default_factory=list)


def load_demo(now: datetime | None = None) -> DemoSummary:
    """Load the demo into a database that has regions but no people; one transaction."""
    now = now or utcnow()
    kelurahan = _check_ready()
    network_ids = list(db.session.scalars(select(Network.id).order_by(Network.id)))
    plan = _Plan(now=now, rng=random.Random(DEMO_SEED))
    try:
        summary = _load(plan, kelurahan, network_ids)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _check_ready() -> list[Region]:
    if db.session.scalar(select(func.count()).select_from(Person)):
        raise DemoNotLoaded("the database already has people; the demo loads only into an empty one")
    kelurahan = list(
        db.session.scalars(
            select(Region)
            .where(Region.level == "kelurahan", Region.code.like(CITY + ".%"))
            .order_by(Region.code)
        )
    )
    if not kelurahan or not db.session.scalar(select(func.count()).select_from(Network)):
        raise DemoNotLoaded("the regions of Jakarta Barat are missing: run `sinergi seed` first")
    return kelurahan


def _load(plan: _Plan, kelurahan: list[Region], network_ids: list[int]) -> DemoSummary:
    cast = Cast(plan.rng)
    password_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")
    _plan_staff(plan, cast, kelurahan, password_hash)
    cadres_by_kelurahan = _plan_cadres(plan, cast, kelurahan, network_ids)
    ids = _insert_people(plan)
    record_changes(None, "create", "person", [
        (pid, None, person_snapshot(db.session.get(Person, pid))) for pid in ids  # type: ignore[arg-type]
    ], [PersonCreated(person_id=pid, role=p["role"], region_code=p["region_code"])
        for pid, p in zip(ids, plan.people, strict=True)])
    lead = db.session.get(Person, ids[1])
    assert lead is not None  # just inserted
    program = _insert_program(plan, lead)
    cadres = {code: [(ids[i], plan.networks_of[i]) for i in idxs]
              for code, idxs in cadres_by_kelurahan.items()}
    by_state = _insert_actions(plan, program, lead, cadres)
    declare_overdue(plan.now)
    return DemoSummary(
        people=len(ids), actions=sum(by_state.values()), by_state=by_state,
        logins=_logins(plan),
    )


def _person(cast: Cast, role: str, region: str, email: str | None, **extra: Any) -> dict[str, Any]:
    rt, rw = cast.rt_rw()
    row = {
        "name": cast.name(), "role": role, "region_code": region, "email": email,
        "phone": cast.phone(), "language": "id", "channel_preference": "sms", "rt": None,
        "rw": None, "password_hash": None, "active": True, "failed_logins": 0,
        "created_at": None,
    }
    if role == CADRE:  # RT/RW are a cadre's neighbourhood
        row.update(rt=rt, rw=rw)
    row.update(extra)
    return row


def _plan_staff(plan: _Plan, cast: Cast, kelurahan: list[Region], password_hash: str) -> None:
    staff = [
        (ADMIN, CITY, cast.email("admin")),
        (LEAD, CITY, cast.email("kota")),
        (LEAD, TAMBORA, cast.email("tambora")),
    ] + [(COORDINATOR, k.code, cast.email(f"koordinator {slug(k.name)}")) for k in kelurahan]
    for role, region, email in staff:
        plan.people.append(_person(
            cast, role, region, email, password_hash=password_hash, channel_preference="both",
            language="en" if plan.rng.random() < 0.1 else "id", created_at=plan.now,
        ))
        plan.networks_of.append([])


def _plan_cadres(
    plan: _Plan, cast: Cast, kelurahan: list[Region], network_ids: list[int]
) -> dict[str, list[int]]:
    by_kelurahan: dict[str, list[int]] = {}
    turn = 0
    for k in kelurahan:
        for _ in range(CADRES_PER_KELURAHAN):
            networks = [network_ids[turn % len(network_ids)]]
            turn += 1
            if plan.rng.random() < 0.2:
                networks.append(plan.rng.choice([n for n in network_ids if n != networks[0]]))
            has_email = plan.rng.random() < 0.3
            person = _person(cast, CADRE, k.code, None, created_at=plan.now,
                             language="en" if plan.rng.random() < 0.08 else "id")
            if has_email:
                person.update(email=cast.email(person["name"]), channel_preference="both")
            by_kelurahan.setdefault(k.code, []).append(len(plan.people))
            plan.people.append(person)
            plan.networks_of.append(networks)
    return by_kelurahan


def _insert_people(plan: _Plan) -> list[int]:
    ids = list(db.session.scalars(
        insert(Person).returning(Person.id, sort_by_parameter_order=True), plan.people
    ))
    memberships = [
        {"person_id": pid, "network_id": nid}
        for pid, networks in zip(ids, plan.networks_of, strict=True) for nid in networks
    ]
    db.session.execute(insert(person_networks), memberships)
    return ids


def _insert_program(plan: _Plan, lead: Person) -> Program:
    program = Program(
        title=PROGRAM_TITLE, public_title=PROGRAM_PUBLIC_TITLE, category="prevention", year=2022,
        region_code=CITY,
        owner_id=lead.id, status="draft", created_at=plan.now, updated_at=plan.now,
        description=(
            "Sosialisasi pencegahan perdagangan orang oleh kader di setiap kelurahan "
            "Jakarta Barat: posyandu, RPTRA, pertemuan RT/RW dan kunjungan rumah."
        ),
    )
    db.session.add(program)
    db.session.flush()
    created = program_snapshot(program)
    record_changes(lead, "create", "program", [(program.id, None, created)], [
        ProgramCreated(program_id=program.id, region_code=CITY, owner_id=lead.id)])
    program.status = "active"
    record_changes(lead, "activate", "program", [(program.id, created, program_snapshot(program))],
                   [ProgramActivated(program_id=program.id)])
    return program


def _public_codes(rng: random.Random, count: int) -> list[str]:
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:
        code = "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes


def _plan_action(plan: _Plan, state: str, kelurahan: str, cadre: tuple[int, list[int]],
                 code: str) -> dict[str, Any]:
    rng, now = plan.rng, plan.now
    assignee, networks = cadre
    offsets = {"open": (1, 21), "overdue": (-14, -1), "done": (-25, 5), "cancelled": (-10, 10)}
    low, high = offsets[state]
    due = now + timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8))
    staff_title, public_title = rng.choice(ACTION_TITLES)
    numbers = {"rw": f"{rng.randint(1, 12):02d}", "rt": f"{rng.randint(1, 15):02d}"}
    row: dict[str, Any] = {
        "program_id": 0, "title": staff_title.format(**numbers),
        "public_title": public_title.format(**numbers),
        "assignee_id": assignee, "kelurahan_code": kelurahan, "network_id": networks[0],
        "due_at": due, "status": "cancelled" if state == "cancelled" else "open",
        "completed_at": None, "completed_by_id": None, "note": None, "people_reached": None,
        "public_code": code, "created_at": now - timedelta(days=30),
        "updated_at": now - timedelta(days=30),
    }
    if state == "done":
        done_at = min(now - timedelta(hours=1), due + timedelta(hours=rng.randint(-72, 24)))
        row.update(status="done", completed_at=done_at, completed_by_id=assignee,
                   people_reached=rng.randint(8, 120), updated_at=done_at,
                   note=rng.choice(("Warga antusias.", "Dihadiri ibu-ibu PKK.", None)))
    return row


def _insert_actions(
    plan: _Plan, program: Program, lead: Person, cadres: dict[str, list[tuple[int, list[int]]]],
) -> dict[str, int]:
    states = list(STATE_WEIGHTS)
    pairs = [(code, cadre) for code, group in cadres.items() for cadre in group]
    codes = _public_codes(plan.rng, len(pairs))
    chosen = [states[i] if i < len(states) else
              plan.rng.choices(states, weights=list(STATE_WEIGHTS.values()))[0]
              for i in range(len(pairs))]
    rows = [_plan_action(plan, state, k, cadre, code)
            for state, (k, cadre), code in zip(chosen, pairs, codes, strict=True)]
    for row in rows:
        row["program_id"] = program.id
    ids = list(db.session.scalars(
        insert(Action).returning(Action.id, sort_by_parameter_order=True), rows
    ))
    _record_history(list(zip(ids, rows, strict=True)), lead)
    return {state: chosen.count(state) for state in states}


def _record_history(actions: list[tuple[int, dict[str, Any]]], lead: Person) -> None:
    """Assigned by the lead; done ones completed by their cadre, cancelled ones by the lead."""
    def snapshot(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
        return action_snapshot(SimpleNamespace(**{**row, **changes}))  # type: ignore[arg-type]

    def common(action_id: int, row: dict[str, Any]) -> dict[str, Any]:
        return {"action_id": action_id, "program_id": row["program_id"],
                "kelurahan_code": row["kelurahan_code"]}

    opened = {"status": "open", "completed_at": None, "completed_by_id": None,
              "people_reached": None, "note": None}
    record_changes(lead, "assign", "action", [
        (i, None, snapshot(row, **opened)) for i, row in actions
    ], [ActionAssigned(**common(i, row), assignee_id=row["assignee_id"],
                       network_id=row["network_id"]) for i, row in actions])
    done = [(i, row) for i, row in actions if row["status"] == "done"]
    for action_id, row in done:
        cadre = db.session.get(Person, row["assignee_id"])
        record_changes(cadre, "complete", "action", [
            (action_id, snapshot(row, **opened), {**snapshot(row), "via": "demo"})
        ], [ActionCompleted(**common(action_id, row), completed_by_id=row["assignee_id"],
                            people_reached=row["people_reached"],
                            on_time=row["completed_at"] <= row["due_at"])])
    cancelled = [(i, row) for i, row in actions if row["status"] == "cancelled"]
    record_changes(lead, "cancel", "action", [
        (i, snapshot(row, **opened), snapshot(row)) for i, row in cancelled
    ], [ActionCancelled(**common(i, row), cancelled_by_id=lead.id) for i, row in cancelled])


def _logins(plan: _Plan) -> list[str]:
    people = plan.people
    labels = ["admin", "city lead, Jakarta Barat", "kecamatan lead, Tambora",
              "coordinator, kelurahan " + people[3]["region_code"]]
    return [f"{label:<38} {people[i]['email']}" for i, label in enumerate(labels)]
