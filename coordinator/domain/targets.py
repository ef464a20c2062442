"""Rules for targets and indicators: set a region's target for a year (admins and leads of the
region), rename or (de)activate an indicator (admins). Progress against targets is read from
the rollups: :mod:`coordinator.rollups.progress`.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from coordinator import policy
from coordinator.domain.changes import record_audit
from coordinator.errors import N_, InvalidInput
from coordinator.extensions import db
from coordinator.models import Indicator, Person, Region, Target


def _target_errors(values: dict[str, object]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    first, last = values["baseline_month_from"], values["baseline_month_to"]
    if not (isinstance(first, int) and isinstance(last, int) and 1 <= first <= last <= 12):
        errors["baseline_month_from"] = [N_("The baseline period must be months 1 to 12, in order.")]
    if not isinstance(values["baseline_value"], int) or values["baseline_value"] < 0:  # type: ignore[operator]
        errors["baseline_value"] = [N_("The baseline must be a whole number, 0 or more.")]
    if not str(values["baseline_source"] or "").strip():
        errors["baseline_source"] = [N_("Say where the baseline comes from.")]
    if values["rule"] not in ("not_above_baseline", "reduce_by_percent"):
        errors["rule"] = [N_("Unknown rule.")]
    percent = values.get("reduce_percent")
    if values["rule"] == "reduce_by_percent" and not (
        isinstance(percent, int | float | Decimal) and 0 <= percent <= 100
    ):
        errors["reduce_percent"] = [N_("Give a percentage from 0 to 100.")]
    return errors


def save_target(*, actor: Person | None, region_code: str, indicator_id: int, year: int,
                baseline_year: int, baseline_month_from: int, baseline_month_to: int,
                baseline_value: int, baseline_source: str, rule: str,
                reduce_percent: float | None = None) -> Target:
    """Create or change the target of a region, indicator and year (admins and leads)."""
    policy.require(actor, "target.save", region_code)
    values: dict[str, object] = {
        "baseline_year": baseline_year, "baseline_month_from": baseline_month_from,
        "baseline_month_to": baseline_month_to, "baseline_value": baseline_value,
        "baseline_source": (baseline_source or "").strip(), "rule": rule, "reduce_percent": reduce_percent,
    }
    errors = _target_errors(values)
    if db.session.get(Region, region_code) is None:
        errors["region_code"] = [N_("Unknown region.")]
    if db.session.get(Indicator, indicator_id) is None:
        errors["indicator_id"] = [N_("Unknown indicator.")]
    if errors:
        raise InvalidInput("invalid target", errors)
    percent = float(reduce_percent or 0) if rule == "reduce_by_percent" else 0.0
    values["target_value"] = round(baseline_value * (1 - percent / 100))
    target = db.session.scalars(select(Target).where(
        Target.region_code == region_code, Target.indicator_id == indicator_id,
        Target.year == year)).first()
    before = _snapshot(target) if target else None
    if target is None:
        target = Target(region_code=region_code, indicator_id=indicator_id, year=year)
        db.session.add(target)
    for name, value in values.items():
        setattr(target, name, value)
    db.session.flush()
    record_audit(actor.id if actor else None, "save", "target", target.id, before, _snapshot(target))
    db.session.commit()
    return target


def _snapshot(target: Target) -> dict[str, object]:
    return {
        "baseline": f"{target.baseline_year}/{target.baseline_month_from}-{target.baseline_month_to}",
        "baseline_value": target.baseline_value, "baseline_source": target.baseline_source,
        "target_value": target.target_value, "rule": target.rule,
        "reduce_percent": float(target.reduce_percent) if target.reduce_percent is not None else None,
    }


def update_indicator(indicator_id: int, *, actor: Person | None, name_id: str, name_en: str,
                     active: bool) -> Indicator:
    """Rename or (de)activate an indicator: admins only. Its statistics are kept."""
    policy.require(actor, "indicator.edit")
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        raise InvalidInput("unknown indicator", {"indicator_id": [N_("Unknown indicator.")]})
    names = {"name_id": (name_id or "").strip(), "name_en": (name_en or "").strip()}
    errors = {k: [N_("Give a name of 1 to 120 characters.")] for k, v in names.items()
              if not v or len(v) > 120}
    if errors:
        raise InvalidInput("invalid indicator", errors)
    before = {"name_id": indicator.name_id, "name_en": indicator.name_en, "active": indicator.active}
    indicator.name_id, indicator.name_en, indicator.active = names["name_id"], names["name_en"], active
    record_audit(actor.id if actor else None, "update", "indicator", indicator.id, before,
                 {**names, "active": active})
    db.session.commit()
    return indicator
