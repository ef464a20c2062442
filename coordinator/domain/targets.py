"""Targets and progress against them, always comparing like periods.

Year to date (January to the last month with statistics) is compared with the same months of
the baseline year: from the monthly statistics where that year has them, else pro rata from the
target's baseline (its value over its period), and then marked as an estimate. Without a target
for the region, the aim is the city's: no more than the same months of the year before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from coordinator.domain.audit import record_audit
from coordinator.domain.calendar import local_now
from coordinator.domain.errors import Forbidden, InvalidInput
from coordinator.extensions import db
from coordinator.models import Indicator, Person, Region, Target
from coordinator.rollups.queries import indicator_months, last_month_with_data

AT_RISK_MARGIN = 0.10
STATUSES = ("on_track", "at_risk", "off_track", "no_data")


@dataclass
class IndicatorProgress:
    indicator: Indicator
    region_code: str
    year: int
    baseline_year: int
    through_month: int
    monthly: dict[int, int]
    baseline_monthly: dict[int, int]
    ytd: int
    comparison: float | None
    comparison_is_estimate: bool
    target: Target | None
    target_for_period: float | None
    monthly_target: float | None
    projected_year_end: float | None
    status: str
    estimated_months: list[int] = field(default_factory=list)


def status_for(ytd: int, aim: float | None, direction: str = "lower_is_better") -> str:
    """on_track / at_risk (within 10% of the aim) / off_track; no_data without an aim."""
    if aim is None:
        return "no_data"
    if direction == "higher_is_better":
        if ytd >= aim:
            return "on_track"
        return "at_risk" if ytd >= aim * (1 - AT_RISK_MARGIN) else "off_track"
    if ytd <= aim:
        return "on_track"
    return "at_risk" if aim > 0 and ytd <= aim * (1 + AT_RISK_MARGIN) else "off_track"


def _aim(target: Target | None, comparison: float | None) -> float | None:
    if comparison is None:
        return None
    if target is not None and target.rule == "reduce_by_percent":
        return comparison * (1 - float(target.reduce_percent or 0) / 100)
    return comparison


def _comparison(target: Target | None, baseline: dict[int, int], last_baseline_month: int,
                through: int) -> tuple[float | None, list[int]]:
    """Sum of the baseline year's months 1..through; estimated months listed."""
    total, estimated = 0.0, []
    for month in range(1, through + 1):
        if month <= last_baseline_month:
            total += baseline.get(month, 0)
        elif target is not None:
            months = target.baseline_month_to - target.baseline_month_from + 1
            total += target.baseline_value / months
            estimated.append(month)
        else:
            return None, []
    return round(total, 1), estimated


def through_month_for(region_code: str, year: int, now: datetime | None = None) -> int:
    """The last month of ``year`` with statistics, never beyond the current month."""
    today = local_now(now)
    last = last_month_with_data(region_code, year)
    if year == today.year:
        last = min(last, today.month)
    return 0 if year > today.year else last


def indicator_progress(region_code: str, year: int, *, through_month: int | None = None,
                       now: datetime | None = None) -> list[IndicatorProgress]:
    """Progress of every active indicator in a region for a year."""
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.active).order_by(Indicator.id)).all()
    targets = {t.indicator_id: t for t in db.session.scalars(
        select(Target).where(Target.region_code == region_code, Target.year == year))}
    baseline_years = {t.baseline_year for t in targets.values()} | {year - 1}
    months = indicator_months(region_code, [year, *baseline_years])
    through = through_month_for(region_code, year, now) if through_month is None else through_month
    last_baseline = {y: last_month_with_data(region_code, y) for y in baseline_years}
    return [
        _progress(i, region_code, year, through, targets.get(i.id), months, last_baseline)
        for i in indicators
    ]


def _progress(indicator: Indicator, region_code: str, year: int, through: int,
              target: Target | None, months: dict[tuple[int, int], dict[int, int]],
              last_baseline: dict[int, int]) -> IndicatorProgress:
    baseline_year = target.baseline_year if target else year - 1
    monthly = months.get((indicator.id, year), {})
    baseline = months.get((indicator.id, baseline_year), {})
    ytd = sum(v for m, v in monthly.items() if m <= through)
    comparison, estimated = _comparison(target, baseline, last_baseline[baseline_year], through)
    aim = _aim(target, comparison) if through else None
    direction = target.direction if target else "lower_is_better"
    monthly_target = None
    if target is not None:
        span = target.baseline_month_to - target.baseline_month_from + 1
        monthly_target = round(target.target_value / span, 2)
    return IndicatorProgress(
        indicator=indicator, region_code=region_code, year=year, baseline_year=baseline_year,
        through_month=through, monthly=monthly, baseline_monthly=baseline, ytd=ytd,
        comparison=comparison, comparison_is_estimate=bool(estimated),
        target=target, target_for_period=None if aim is None else round(aim, 1),
        monthly_target=monthly_target,
        projected_year_end=round(ytd / through * 12, 1) if through else None,
        status=status_for(ytd, aim, direction), estimated_months=estimated,
    )


def _target_errors(values: dict[str, object]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    first, last = values["baseline_month_from"], values["baseline_month_to"]
    if not (isinstance(first, int) and isinstance(last, int) and 1 <= first <= last <= 12):
        errors["baseline_month_from"] = ["The baseline period must be months 1 to 12, in order."]
    if not isinstance(values["baseline_value"], int) or values["baseline_value"] < 0:  # type: ignore[operator]
        errors["baseline_value"] = ["The baseline must be a whole number, 0 or more."]
    if not str(values["baseline_source"] or "").strip():
        errors["baseline_source"] = ["Say where the baseline comes from."]
    if values["rule"] not in ("not_above_baseline", "reduce_by_percent"):
        errors["rule"] = ["Unknown rule."]
    percent = values.get("reduce_percent")
    if values["rule"] == "reduce_by_percent" and not (
        isinstance(percent, int | float | Decimal) and 0 <= percent <= 100
    ):
        errors["reduce_percent"] = ["Give a percentage from 0 to 100."]
    return errors


def save_target(*, actor: Person | None, region_code: str, indicator_id: int, year: int,
                baseline_year: int, baseline_month_from: int, baseline_month_to: int,
                baseline_value: int, baseline_source: str, rule: str,
                reduce_percent: float | None = None) -> Target:
    """Create or change the target of a region, indicator and year (admins and leads)."""
    from coordinator import access

    if actor is not None and not (actor.role in ("admin", "lead")
                                  and access.in_scope(actor, region_code)):
        raise Forbidden("only admins and leads of the region set targets")
    values: dict[str, object] = {
        "baseline_year": baseline_year, "baseline_month_from": baseline_month_from,
        "baseline_month_to": baseline_month_to, "baseline_value": baseline_value,
        "baseline_source": (baseline_source or "").strip(), "rule": rule, "reduce_percent": reduce_percent,
    }
    errors = _target_errors(values)
    if db.session.get(Region, region_code) is None:
        errors["region_code"] = ["Unknown region."]
    if db.session.get(Indicator, indicator_id) is None:
        errors["indicator_id"] = ["Unknown indicator."]
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
    if actor is not None and actor.role != "admin":
        raise Forbidden("only admins edit indicators")
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        raise InvalidInput("unknown indicator", {"indicator_id": ["Unknown indicator."]})
    names = {"name_id": (name_id or "").strip(), "name_en": (name_en or "").strip()}
    errors = {k: ["Give a name of 1 to 120 characters."] for k, v in names.items()
              if not v or len(v) > 120}
    if errors:
        raise InvalidInput("invalid indicator", errors)
    before = {"name_id": indicator.name_id, "name_en": indicator.name_en, "active": indicator.active}
    indicator.name_id, indicator.name_en, indicator.active = names["name_id"], names["name_en"], active
    record_audit(actor.id if actor else None, "update", "indicator", indicator.id, before,
                 {**names, "active": active})
    db.session.commit()
    return indicator
