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

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from coordinator import policy
from coordinator.domain import calendar
from coordinator.domain.actions import action_snapshot
from coordinator.domain.changes import record_changes
from coordinator.domain.codes import new_public_codes
from coordinator.domain.discretion import public_title_errors, sensitive_words_in
from coordinator.domain.events import ActionAssigned
from coordinator.domain.validation import check_title
from coordinator.errors import N_, Conflict, InvalidInput
from coordinator.extensions import db
from coordinator.models import (
    Action,
    BulkAssignment,
    Network,
    Person,
    Program,
    Region,
    person_networks,
    utcnow,
)
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
    """Expand kelurahan/kecamatan/city codes to kelurahan codes inside the program and scope."""
    wanted: set[str] = set()
    for code in codes:
        region = db.session.get(Region, code)
        visible = region is not None and (actor is None or policy.in_scope(actor, code))
        if not visible or not policy.in_subtree(program.region_code, code):
            raise InvalidInput("unknown region", {"region_codes": [(f"Unknown region {code!r} "
                               "(or outside the program's region).")]})
        wanted.update(db.session.scalars(select(Region.code).where(
            Region.level == "kelurahan", policy.region_filter(Region.code, code))))
    return sorted(wanted)


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


def _plan(request: BulkRequest, actor: Person | None) -> _Plan:
    errors = _validate(request)
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
        days_off=[DayOff(d, calendar.holiday_name(d) or "day off")
                  for d in dates if calendar.is_day_off(d)],
        sensitive_words=sensitive_words_in(request.title),
        per_kelurahan=dict(per_kelurahan),
        program_status=program.status,
    )
    if preview.action_count > MAX_ACTIONS:
        raise InvalidInput("too many actions", {"region_codes": [
            f"{preview.action_count} actions is more than the limit of {MAX_ACTIONS}."]})
    return _Plan(program, codes, slots, due_ats, preview)


def preview_bulk_assignment(request: BulkRequest, *, actor: Person | None = None) -> BulkPreview:
    """What confirming ``request`` would create; writes nothing."""
    try:
        return _plan(request, actor).preview
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
    rows = [
        {"program_id": plan.program.id, "title": request.title.strip(),
         "public_title": request.clean_public_title() or plan.program.public_title,
         "assignee_id": person,
         "kelurahan_code": kelurahan, "network_id": network, "due_at": due_at, "status": "open",
         "bulk_assignment_id": bulk.id, "created_at": now, "updated_at": now}
        for due_at in plan.due_ats for person, kelurahan, network in plan.slots
    ]
    for row, code in zip(rows, new_public_codes(len(rows)), strict=True):
        row["public_code"] = code
    if rows:
        db.session.execute(insert(Action), rows)
    _record_bulk_events(bulk.id, actor)
    db.session.commit()
    return BulkResult(bulk.id, len(rows), already_submitted=False, preview=plan.preview)


def _record_bulk_events(bulk_id: int, actor: Person | None) -> None:
    """Audit and announce every action the bulk assignment created (set-based, same shape as
    ``assign_action``'s entries)."""
    created = db.session.execute(select(  # rows, not objects: a bulk may be 100,000 actions
        Action.id, Action.program_id, Action.network_id, Action.status, Action.assignee_id,
        Action.kelurahan_code, Action.due_at, Action.note, Action.people_reached,
        Action.completed_at, Action.completed_by_id,
    ).where(Action.bulk_assignment_id == bulk_id)).all()
    record_changes(
        actor, "assign", "action",
        [(a.id, None, {**action_snapshot(a), "bulk_assignment_id": bulk_id})  # type: ignore[arg-type]
         for a in created],
        [ActionAssigned(action_id=a.id, program_id=a.program_id, kelurahan_code=a.kelurahan_code,
                        assignee_id=a.assignee_id, network_id=a.network_id) for a in created],
    )
