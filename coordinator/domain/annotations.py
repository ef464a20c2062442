"""Annotations: a lead pins a dated note to an indicator in a region, shown on its chart,
because more reports can mean better reporting, not more violence."""
from __future__ import annotations

from datetime import date

from sqlalchemy import extract, select

from coordinator import policy
from coordinator.domain.changes import record_audit
from coordinator.errors import N_, InvalidInput
from coordinator.extensions import db
from coordinator.models import Annotation, Indicator, Person, Region

MAX_TEXT = 300


def add_annotation(*, actor: Person | None, indicator_id: int, region_code: str, on_date: date,
                   text: str) -> Annotation:
    """Pin a note; admins and leads, within their region."""
    policy.require(actor, "annotation.add", region_code)
    errors: dict[str, list[str]] = {}
    clean = (text or "").strip()
    if not clean or len(clean) > MAX_TEXT:
        errors["text"] = [N_("Write a note of 1 to 300 characters.")]
    if db.session.get(Indicator, indicator_id) is None:
        errors["indicator_id"] = [N_("Unknown indicator.")]
    region = db.session.get(Region, region_code)
    if region is None or (actor is not None and not policy.in_scope(actor, region_code)):
        errors["region_code"] = [N_("Unknown region (or outside your region).")]
    if not isinstance(on_date, date):
        errors["on_date"] = [N_("Give a date.")]
    if errors:
        raise InvalidInput("invalid annotation", errors)
    note = Annotation(indicator_id=indicator_id, region_code=region_code, on_date=on_date,
                      text=clean, author_id=actor.id if actor else None)
    db.session.add(note)
    db.session.flush()
    record_audit(actor.id if actor else None, "annotate", "annotation", note.id, None,
                 {"indicator_id": indicator_id, "region_code": region_code,
                  "on_date": on_date.isoformat(), "text": clean})
    db.session.commit()
    return note


def annotations_for(region_code: str, year: int) -> list[Annotation]:
    """Notes pinned in a region during ``year`` (and its baseline year before it)."""
    return list(db.session.scalars(
        select(Annotation).where(
            Annotation.region_code == region_code,
            extract("year", Annotation.on_date).in_([year, year - 1]),
        ).order_by(Annotation.on_date)
    ))

