"""Bulk assignment: networks x regions x occurrences, set-based in one transaction.

One action per matching active cadre (role cadre, member of the network, living in the
kelurahan) and occurrence; a kelurahan without a cadre of that network gets one unassigned
action per occurrence for its coordinator. Resubmitting the same idempotency key creates
nothing: the ``bulk_assignments`` row's unique key decides, even under a race.
"""
from __future__ import annotations

import calendar as month_calendar
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, func, insert, literal, literal_column, null, or_, select, text
from sqlalchemy.exc import IntegrityError

from coordinator import policy
from coordinator.domain import calendar
from coordinator.domain.bulk_preview import KecamatanPlan, describe_slots
from coordinator.domain.changes import actor_id
from coordinator.domain.codes import new_public_codes
from coordinator.domain.discretion import public_title_errors, sensitive_words_in
from coordinator.domain.events import ActionAssigned
from coordinator.domain.validation import check_due_not_past, check_title
from coordinator.errors import N_, Conflict, InvalidInput
from coordinator.extensions import db
from coordinator.models import (
    Action,
    AuditEntry,
    BulkAssignment,
    Event,
    Network,
    Person,
    Program,
    Region,
    person_networks,
    utcnow,
)
from coordinator.models.base import UTCDateTime
from coordinator.policy import audiences

RECURRENCES = ("weekly", "monthly")
MAX_OCCURRENCES = 60
MAX_ACTIONS = 100_000


@dataclass(frozen=True)
class BulkRequest:
    program_id: int
    network_ids: tuple[int, ...]
    region_codes: tuple[str, ...]
    due_date: date
    title: str
    due_time: time = time(17, 0)
    recurrence: str | None = None
    until: date | None = None
    idempotency_key: str | None = None
    public_title: str | None = None  # what messages show; None: the program's public title

    def clean_public_title(self) -> str | None:
        return " ".join(self.public_title.split()) if self.public_title else None

    def key(self) -> str:
        """The idempotency key given, else one derived from the request's content."""
        if self.idempotency_key:
            return self.idempotency_key
        content = json.dumps({
            "program": self.program_id, "networks": sorted(self.network_ids),
            "regions": sorted(self.region_codes), "due": self.due_date.isoformat(),
            "time": self.due_time.isoformat(), "title": self.title.strip(),
            "public_title": self.clean_public_title(), "recurrence": self.recurrence, "until": self.until.isoformat() if self.until else None,
        }, sort_keys=True)
        return "auto-" + hashlib.sha256(content.encode()).hexdigest()[:59]

    def parameters(self) -> dict[str, object]:
        return {
            "network_ids": sorted(self.network_ids), "region_codes": sorted(self.region_codes),
            "due_date": self.due_date.isoformat(), "due_time": self.due_time.isoformat(),
            "title": self.title.strip(), "public_title": self.clean_public_title(),
            "recurrence": self.recurrence, "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True)
class DayOff:
    date: date
    name: str


@dataclass
class BulkPreview:
    action_count: int
    cadre_count: int
    kelurahan_count: int
    unassigned_count: int
    occurrences: list[datetime]
    days_off: list[DayOff]
    sensitive_words: list[str]
    per_kelurahan: dict[str, int] = field(default_factory=dict)
    program_status: str = "active"
    # By name, per kecamatan and kelurahan: filled by the preview only (creation needs none).
    areas: list[KecamatanPlan] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        notes = [] if self.program_status == "active" else [
            f"the program is {self.program_status}: only an active program takes actions"]
        notes += [f"{d.date.isoformat()} is a day off ({d.name})" for d in self.days_off]
        if self.sensitive_words:
            notes.append("the staff title contains sensitive words (messages show the public "
                         "title instead): " + ", ".join(self.sensitive_words))
        return notes

    def summary(self) -> str:
        return (f"{self.action_count} actions for {self.cadre_count} cadres "
                f"in {self.kelurahan_count} kelurahan")


@dataclass(frozen=True)
class BulkResult:
    bulk_assignment_id: int
    created: int
    already_submitted: bool
    preview: BulkPreview | None = None


def occurrences(request: BulkRequest) -> list[date]:
    """The due dates: the first, then weekly or monthly (day clamped to month end) until ``until``."""
    if request.recurrence is None:
        return [request.due_date]
    assert request.until is not None
    dates: list[date] = []
    step = 0
    while len(dates) <= MAX_OCCURRENCES:  # one past the cap is enough to refuse it
        d = _nth(request.due_date, request.recurrence, step)
        if d > request.until:
            return dates
        dates.append(d)
        step += 1
    return dates


def _nth(start: date, recurrence: str, n: int) -> date:
    if recurrence == "weekly":
        return start + timedelta(weeks=n)
    month0 = start.month - 1 + n
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, month_calendar.monthrange(year, month)[1]))


def _validate(request: BulkRequest) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not request.network_ids:
        errors["network_ids"] = [N_("Choose at least one network.")]
    if not request.region_codes:
        errors["region_codes"] = [N_("Choose at least one region.")]
    title = request.title.strip()
    if not title or len(title) > 200:
        errors["title"] = [N_("Title is required (at most 200 characters).")]
    if request.public_title is not None:
        public_title = request.clean_public_title()
        errors.update(check_title(public_title, "public_title")
                      or public_title_errors("public_title", public_title))
    if request.recurrence is not None and request.recurrence not in RECURRENCES:
        errors["recurrence"] = [N_("Must be weekly or monthly.")]
    elif request.recurrence is not None and request.until is None:
        errors["until"] = [N_("A recurring assignment needs an end date.")]
    elif request.until is not None and request.until < request.due_date:
        errors["until"] = [N_("The end date must not be before the first due date.")]
    elif request.recurrence is not None and len(occurrences(request)) > MAX_OCCURRENCES:
        errors["until"] = [N_("At most 60 occurrences.")]
    if request.idempotency_key is not None and not 8 <= len(request.idempotency_key) <= 64:
        errors["idempotency_key"] = [N_("Must be 8 to 64 characters.")]
    return errors


def _kelurahan_codes(program: Program, codes: tuple[str, ...], actor: Person | None) -> list[str]:
    """Expand kelurahan/kecamatan/city codes to kelurahan codes inside the program and scope.

    Two queries however many regions were ticked (a picker sends dozens)."""
    known = set(db.session.scalars(select(Region.code).where(Region.code.in_(codes))))
    for code in codes:
        visible = code in known and (actor is None or policy.in_scope(actor, code))
        if not visible or not policy.in_subtree(program.region_code, code):
            raise InvalidInput(f"unknown region {code!r}", {"region_codes": [
                N_("A chosen region is unknown or outside the program's region.")]})
    if not codes:
        return []
    # A kelurahan ticked beside its whole kecamatan adds nothing: keep the outermost codes.
    roots = [c for c in set(codes)
             if not any(policy.in_subtree(other, c) and other != c for other in codes)]
    return sorted(db.session.scalars(select(Region.code).where(
        Region.level == "kelurahan", or_(*(policy.region_filter(Region.code, c) for c in roots)))))


def _cadres(kelurahan_codes: list[str], network_ids: list[int]) -> list[tuple[int, str, int]]:
    """(person id, kelurahan code, network id) of every matching active cadre."""
    if not kelurahan_codes:
        return []
    query = (
        select(Person.id, Person.region_code, person_networks.c.network_id)
        .join(person_networks, person_networks.c.person_id == Person.id)
        .where(audiences.cadres_in(kelurahan_codes),
               person_networks.c.network_id.in_(network_ids))
        .order_by(Person.region_code, person_networks.c.network_id, Person.id)
    )
    return [(r[0], r[1], r[2]) for r in db.session.execute(query)]


@dataclass
class _Plan:
    program: Program
    kelurahan_codes: list[str]
    slots: list[tuple[int | None, str, int]]  # (assignee or None, kelurahan, network)
    due_ats: list[datetime]
    preview: BulkPreview


def _check_first_due(request: BulkRequest, actor: Person | None) -> dict[str, list[str]]:
    """A person may not plan into the past; the system (actor None: seeding, benchmarks, tests
    that build history) may."""
    if actor is None:
        return {}
    first = calendar.local_datetime(request.due_date, request.due_time).astimezone(UTC)
    return check_due_not_past(first, field="due_date")


def _plan(request: BulkRequest, actor: Person | None) -> _Plan:
    errors = _validate(request)
    errors.update(_check_first_due(request, actor))
    program = (db.session.get(Program, request.program_id) if actor is None
               else db.session.scalars(policy.scoped_programs(actor)
                                       .where(Program.id == request.program_id)).first())
    if program is None:
        errors["program_id"] = [N_("Unknown program.")]
    networks = set(db.session.scalars(
        select(Network.id).where(Network.id.in_(request.network_ids), Network.active.is_(True))))
    if set(request.network_ids) - networks:
        errors["network_ids"] = [N_("Unknown or inactive network.")]
    if errors:
        raise InvalidInput("invalid bulk assignment", errors)
    assert program is not None
    codes = _kelurahan_codes(program, request.region_codes, actor)
    for code in request.region_codes:
        policy.require(actor, "bulk.assign", code)
    cadres = _cadres(codes, sorted(networks))
    covered = {(k, n) for _, k, n in cadres}
    unassigned = [(None, k, n) for k in codes for n in sorted(networks) if (k, n) not in covered]
    slots: list[tuple[int | None, str, int]] = [*cadres, *unassigned]
    dates = occurrences(request)
    due_ats = [calendar.local_datetime(d, request.due_time).astimezone(UTC) for d in dates]
    per_kelurahan: dict[str, int] = defaultdict(int)
    for _, k, _n in slots:
        per_kelurahan[k] += len(dates)
    preview = BulkPreview(
        action_count=len(slots) * len(dates),
        cadre_count=len({p for p, _, _ in cadres}),
        kelurahan_count=len(codes),
        unassigned_count=len(unassigned) * len(dates),
        occurrences=due_ats,
        days_off=[DayOff(d, calendar.holiday_name(d, "en") or "day off")
                  for d in dates if calendar.is_day_off(d)],
        sensitive_words=sensitive_words_in(request.title),
        per_kelurahan=dict(per_kelurahan),
        program_status=program.status,
    )
    if preview.action_count > MAX_ACTIONS:
        raise InvalidInput(f"{preview.action_count} actions", {"region_codes": [
            N_("More than 100,000 actions at once: choose fewer regions, networks or dates.")]})
    return _Plan(program, codes, slots, due_ats, preview)


def preview_bulk_assignment(request: BulkRequest, *, actor: Person | None = None) -> BulkPreview:
    """What confirming ``request`` would create; writes nothing."""
    try:
        plan = _plan(request, actor)
        plan.preview.areas = describe_slots(plan.slots, plan.kelurahan_codes,
                                            request.network_ids, len(plan.due_ats))
        return plan.preview
    finally:
        db.session.rollback()


def _existing(key: str) -> BulkAssignment | None:
    return db.session.scalars(select(BulkAssignment).where(
        BulkAssignment.idempotency_key == key)).first()


def assign_actions_in_bulk(request: BulkRequest, *, actor: Person | None) -> BulkResult:
    """Create every action of ``request`` in one transaction; a resubmitted key creates nothing."""
    key = request.key()
    for attempt in range(3):
        found = _existing(key)
        if found is not None:
            db.session.rollback()
            return BulkResult(found.id, 0, already_submitted=True)
        try:
            return _insert(request, key, actor)
        except IntegrityError:
            # Either the same key won a race (then the loop returns it), or a public code
            # collided with a concurrent insert (then a retry draws new codes).
            db.session.rollback()
    raise Conflict(N_("the bulk assignment could not be saved; please try again"))


def _insert(request: BulkRequest, key: str, actor: Person | None) -> BulkResult:
    plan = _plan(request, actor)
    if plan.program.status != "active":
        raise Conflict(N_("only an active program takes new actions"), status=plan.program.status)
    requested_by = actor.id if actor is not None else plan.program.owner_id
    bulk = BulkAssignment(idempotency_key=key, program_id=plan.program.id,
                          requested_by_id=requested_by, parameters=request.parameters(),
                          action_count=plan.preview.action_count, created_at=utcnow())
    db.session.add(bulk)
    db.session.flush()
    now = utcnow()
    title = request.title.strip()
    codes = new_public_codes(len(plan.slots) * len(plan.due_ats))
    if codes:
        _insert_actions(plan, bulk.id, title,
                        request.clean_public_title() or plan.program.public_title, codes, now)
    _record_bulk_events(bulk.id, plan.due_ats, actor, now)
    db.session.commit()
    return BulkResult(bulk.id, plan.preview.action_count, already_submitted=False,
                      preview=plan.preview)


def _insert_actions(plan: _Plan, bulk_id: int, title: str, public_title: str,
                    codes: list[str], now: datetime) -> None:
    """The actions, slots x occurrences, each with its code. PostgreSQL: one ``INSERT ...
    SELECT FROM unnest`` of one array per column (no per-row parameters); SQLite: one
    executemany."""
    constant = {"program_id": plan.program.id, "title": title, "public_title": public_title,
                "status": "open",
                "bulk_assignment_id": bulk_id, "created_at": now, "updated_at": now}
    if db.engine.dialect.name != "postgresql":
        db.session.execute(insert(Action), [
            {**constant, "assignee_id": person, "kelurahan_code": kelurahan,
             "network_id": network, "due_at": due_at, "public_code": code}
            for (due_at, (person, kelurahan, network)), code in zip(
                ((d, s) for d in plan.due_ats for s in plan.slots), codes, strict=True)])
        return
    naive = [d.astimezone(UTC).replace(tzinfo=None) for d in plan.due_ats]
    at = now.astimezone(UTC).replace(tzinfo=None)
    db.session.execute(text(
        "INSERT INTO actions (program_id, title, public_title, assignee_id, kelurahan_code, "
        "network_id, due_at, status, public_code, bulk_assignment_id, created_at, updated_at) "
        "SELECT :program_id, :title, :public_title, a, k, n, d, 'open', c, :bulk_id, :at, :at "
        "FROM unnest(CAST(:a AS integer[]), CAST(:k AS varchar[]), CAST(:n AS integer[]), "
        "CAST(:d AS timestamp[]), CAST(:c AS varchar[])) AS t(a, k, n, d, c)"
    ), {"program_id": plan.program.id, "title": title, "public_title": public_title,
        "bulk_id": bulk_id, "at": at,
        "a": [s[0] for _ in naive for s in plan.slots],
        "k": [s[1] for _ in naive for s in plan.slots],
        "n": [s[2] for _ in naive for s in plan.slots],
        "d": [d for d in naive for _ in plan.slots], "c": codes})


def _record_bulk_events(bulk_id: int, due_ats: list[datetime], actor: Person | None,
                        now: datetime) -> None:
    """Audit and announce every action the bulk assignment created, in SQL: one
    ``INSERT ... SELECT`` per table and occurrence, the same entries and ``ActionAssigned``
    payloads as ``assign_action`` writes (``action_snapshot`` + ``bulk_assignment_id``)."""
    json_object = (func.json_build_object if db.engine.dialect.name == "postgresql"
                   else func.json_object)
    for due_at in due_ats:
        created = Action.bulk_assignment_id == bulk_id, Action.due_at == due_at
        after = json_object(
            *_pairs({"status": literal("open"), "assignee_id": Action.assignee_id,
                     "kelurahan_code": Action.kelurahan_code,
                     "due_at": literal(due_at.isoformat()), "note": null(),
                     "people_reached": null(), "completed_at": null(),
                     "completed_by_id": null(), "bulk_assignment_id": Action.bulk_assignment_id}))
        db.session.execute(insert(AuditEntry).from_select(
            ["actor_id", "operation", "entity_type", "entity_id", "before", "after", "at"],
            select(literal(actor_id(actor), Integer), literal("assign"), literal("action"),
                   Action.id, null(), after, literal(now, UTCDateTime))
            .where(*created).order_by(Action.id)))
        payload = json_object(*_pairs({
            "action_id": Action.id, "program_id": Action.program_id,
            "kelurahan_code": Action.kelurahan_code, "assignee_id": Action.assignee_id,
            "network_id": Action.network_id}))
        db.session.execute(insert(Event).from_select(
            ["type", "aggregate_type", "aggregate_id", "payload", "created_at"],
            select(literal(ActionAssigned.type_name()), literal(ActionAssigned.aggregate_type),
                   Action.id, payload, literal(now, UTCDateTime))
            .where(*created).order_by(Action.id)))


def _pairs(fields: dict[str, Any]) -> list[Any]:
    """``key, value, key, value ...`` for ``json_build_object`` / SQLite's ``json_object``."""
    pairs: list[Any] = []
    for key, value in fields.items():
        pairs += [literal_column(f"'{key}'"), value]
    return pairs
