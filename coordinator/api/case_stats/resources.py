"""Case statistics: push a month of counts (whole batch or nothing) and read them back.

Writes go through ``record_case_stats`` like the grid and the Excel import: the same checks
(scope, known kelurahan and indicator, no future month), history and events.
"""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from coordinator import policy
from coordinator.api.auth import api_person
from coordinator.api.case_stats.schemas import (
    CaseStatsBatchSchema,
    CaseStatsMonthSchema,
    CaseStatsQueryArgsSchema,
    CaseStatsResultSchema,
)
from coordinator.api.common import make_blueprint
from coordinator.domain.case_stats import (
    CaseStatEntry,
    counts_for_month,
    kelurahan_in_scope,
    parse_month,
    record_case_stats,
)
from coordinator.errors import InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import Indicator, Region

blp = make_blueprint("api_case_stats", "/case-stats",
                     "Monthly case statistics per kelurahan (counts only, never about a person).")


def _indicator_ids() -> dict[str, int]:
    return {code: id_ for id_, code in db.session.execute(select(Indicator.id, Indicator.code))}


@blp.route("")
class CaseStats(MethodView):
    @blp.doc(operationId="getCaseStats")
    @blp.arguments(CaseStatsQueryArgsSchema, location="query")
    @blp.response(200, CaseStatsMonthSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The recorded counts of one month in the kelurahan you may see (or under ``region``)."""
        person = api_person()
        region = args["region"]
        if region is not None and db.session.get(Region, region) is None:
            raise NotFound("region not found")
        if not policy.can(person, "case_stats.view", region, via=policy.Via.API):
            raise NotFound("region not found")  # out of scope, or not staff: nothing to see
        month = parse_month(args["month"])
        codes = [k.code for k in kelurahan_in_scope(person, region)]
        codes_of = {id_: code for code, id_ in _indicator_ids().items()}
        counts = counts_for_month(month, codes)
        return {"month": args["month"], "counts": [
            {"kelurahan_code": k, "indicator": codes_of[i], "count": n}
            for (k, i), n in sorted(counts.items())]}

    @blp.doc(operationId="recordCaseStats")
    @blp.arguments(CaseStatsBatchSchema)
    @blp.response(200, CaseStatsResultSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record a month of counts; a correction keeps history. All or nothing."""
        ids = _indicator_ids()
        unknown = sorted({c["indicator"] for c in data["counts"]} - set(ids))
        if unknown:
            raise InvalidInput("unknown indicator", {"indicator": [f"Unknown: {', '.join(unknown)}"]})
        entries = [CaseStatEntry(c["kelurahan_code"], ids[c["indicator"]], c["count"])
                   for c in data["counts"]]
        changed = record_case_stats(actor=api_person(), month=parse_month(data["month"]),
                                    entries=entries)
        return {"month": data["month"], "changed": changed}
