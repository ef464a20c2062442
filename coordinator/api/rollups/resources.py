"""Rollups: program progress and indicator actuals per region, read from the rollup tables
with the same functions as the dashboard, so the API and the pages agree."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from coordinator import policy
from coordinator.api.auth import api_person
from coordinator.api.common import make_blueprint
from coordinator.api.errors import ApiError
from coordinator.api.rollups.schemas import (
    AreaComparisonSchema,
    IndicatorRollupArgsSchema,
    IndicatorRollupSchema,
    ProgramRollupArgsSchema,
    ProgramRollupSchema,
)
from coordinator.extensions import db
from coordinator.models import Network
from coordinator.models.rollups import ALL_NETWORKS
from coordinator.rollups.freshness import rollups_as_of
from coordinator.rollups.progress import IndicatorProgress, indicator_progress
from coordinator.rollups.queries import (
    child_regions,
    progress,
    progress_by_region,
    region_years,
)
from coordinator.rollups.report import (
    area_comparison,
    check_region,
    default_region,
    default_year,
    visible_children,
)

blp = make_blueprint("api_rollups", "/rollups", "Progress and indicator actuals per region.")


def _place(person: Any, code: str | None) -> Any:
    return check_region(person, code or default_region(person))


@blp.route("/programs/<int:program_id>")
class ProgramRollupById(MethodView):
    @blp.doc(operationId="getProgramRollup")
    @blp.arguments(ProgramRollupArgsSchema, location="query")
    @blp.response(200, ProgramRollupSchema)
    def get(self, args: dict[str, Any], program_id: int) -> dict[str, Any]:
        """A program's progress in a region and in each region one level below."""
        person = api_person()
        policy.get_program_or_404(person, program_id)
        place = _place(person, args["region"])
        network = args["network"]
        if network is not None and db.session.get(Network, network) is None:
            raise ApiError(400, "invalid_input", "Unknown network.", {"network": ["Unknown network."]})
        key = network or ALL_NETWORKS
        kids = [r for r in child_regions(place.code)
                if policy.scope_code(person) is None or policy.in_scope(person, r.code)]
        by_child = progress_by_region([r.code for r in kids], [program_id], key)
        return {
            "program_id": program_id, "region": place, "network_id": network,
            "progress": progress(place.code, [program_id], key).as_dict(),
            "children": [
                {"code": r.code, "name": r.name, "level": r.level,
                 "progress": by_child[r.code].as_dict()} for r in kids
            ],
        }


def _actual(item: IndicatorProgress) -> dict[str, Any]:
    return {
        "code": item.indicator.code, "name_id": item.indicator.name_id,
        "name_en": item.indicator.name_en, "through_month": item.through_month,
        "year_to_date": item.ytd, "baseline_year": item.baseline_year,
        "same_months_baseline_year": item.comparison,
        "comparison_is_estimate": item.comparison_is_estimate,
        "estimated_months": item.estimated_months, "aim_for_period": item.target_for_period,
        "difference": item.difference, "change_percent": item.change_percent,
        "change": item.change, "projected_full_year": item.projected_full_year,
        "full_year_aim": item.full_year_aim,
        "full_year_aim_is_estimate": item.full_year_aim_is_estimate, "status": item.status,
        "kelurahan": item.kelurahan, "fewest_kelurahan_reporting": item.fewest_reporting,
        "complete": item.complete,
        "monthly": {str(m): v for m, v in sorted(item.monthly.items())},
        "baseline_monthly": {str(m): v for m, v in sorted(item.baseline_monthly.items())},
        "target": item.target,
    }


@blp.route("/indicators")
class IndicatorRollups(MethodView):
    @blp.doc(operationId="getIndicatorRollups")
    @blp.arguments(IndicatorRollupArgsSchema, location="query")
    @blp.response(200, IndicatorRollupSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every indicator's year to date in a region against the same months of the baseline
        year, the aim for that period, the projected year-end and a status."""
        place = _place(api_person(), args["region"])
        year = args["year"] or default_year(region_years(place.code))
        return {"region": place, "year": year, "as_of": rollups_as_of(),
                "indicators": [_actual(i) for i in indicator_progress(place.code, year)]}


@blp.route("/areas")
class AreaComparisons(MethodView):
    @blp.doc(operationId="compareAreas")
    @blp.arguments(IndicatorRollupArgsSchema, location="query")
    @blp.response(200, AreaComparisonSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The areas one level below a region compared on cases, worst first: each indicator's
        year to date against the same months of the baseline year (as on the dashboard)."""
        person = api_person()
        place = _place(person, args["region"])
        year = args["year"] or default_year(region_years(place.code))
        _own, rows = area_comparison(place, visible_children(person, place), year)
        return {"region": place, "year": year, "as_of": rollups_as_of(), "areas": [
            {"code": row.code, "name": row.name, "level": row.level, "rank": rank,
             "indicators_above_baseline": row.above_baseline, "complete": row.complete,
             "indicators": [{**_actual(i), "share_of_region_percent": row.shares.get(
                 i.indicator.id)} for i in row.indicators]}
            for rank, row in enumerate(rows, start=1)]}


