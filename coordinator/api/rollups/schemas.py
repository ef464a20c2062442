"""Schemas of the rollups resource: the same numbers as the dashboard."""
from __future__ import annotations

import marshmallow as ma

from coordinator.api.common import ID, StrictSchema

REGION_CODE = ma.validate.Regexp(r"^(ID|\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)$",
                                 error="Not a region code like 31.73.04 (or ID).")


class ProgramRollupArgsSchema(StrictSchema):
    region = ma.fields.String(load_default=None, validate=REGION_CODE,
                              metadata={"description": "region code; default: your region"})
    network = ma.fields.Integer(load_default=None, validate=ID,
                                metadata={"description": "one network's actions only"})


class IndicatorRollupArgsSchema(StrictSchema):
    region = ma.fields.String(load_default=None, validate=REGION_CODE)
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=2000, max=2100))


class PlaceSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.String()


class ProgressSchema(ma.Schema):
    total = ma.fields.Integer()
    open = ma.fields.Integer()
    done = ma.fields.Integer()
    done_on_time = ma.fields.Integer()
    overdue = ma.fields.Integer()
    cancelled = ma.fields.Integer()
    people_reached = ma.fields.Integer()
    done_percent = ma.fields.Float()
    on_time_percent = ma.fields.Float()


class RegionProgressSchema(PlaceSchema):
    progress = ma.fields.Nested(ProgressSchema)


class ProgramRollupSchema(ma.Schema):
    program_id = ma.fields.Integer()
    region = ma.fields.Nested(PlaceSchema)
    network_id = ma.fields.Integer(allow_none=True)
    progress = ma.fields.Nested(ProgressSchema)
    children = ma.fields.List(ma.fields.Nested(RegionProgressSchema))


class TargetSchema(ma.Schema):
    baseline_year = ma.fields.Integer()
    baseline_month_from = ma.fields.Integer()
    baseline_month_to = ma.fields.Integer()
    baseline_value = ma.fields.Integer()
    baseline_source = ma.fields.String()
    target_value = ma.fields.Integer()
    rule = ma.fields.String()
    reduce_percent = ma.fields.Float(allow_none=True)


class IndicatorActualSchema(ma.Schema):
    code = ma.fields.String()
    name_id = ma.fields.String()
    name_en = ma.fields.String()
    through_month = ma.fields.Integer()
    year_to_date = ma.fields.Integer()
    baseline_year = ma.fields.Integer()
    same_months_baseline_year = ma.fields.Float(allow_none=True)
    comparison_is_estimate = ma.fields.Boolean()
    estimated_months = ma.fields.List(ma.fields.Integer())
    aim_for_period = ma.fields.Float(allow_none=True)
    difference = ma.fields.Float(allow_none=True)
    change_percent = ma.fields.Float(allow_none=True)
    change = ma.fields.String(metadata={
        "description": "up / down (beyond the 95% Poisson interval of the baseline), chance, "
                       "incomplete (reports missing: only a rise is decided), too_few (baseline "
                       "under 10 cases), no_baseline"})
    projected_full_year = ma.fields.Float(allow_none=True, metadata={
        "description": "straight line to twelve months; compare with full_year_aim"})
    full_year_aim = ma.fields.Float(allow_none=True)
    full_year_aim_is_estimate = ma.fields.Boolean()
    status = ma.fields.String(metadata={
        "description": "off_track / incomplete / at_risk / on_track / no_data"})
    kelurahan = ma.fields.Integer()
    fewest_kelurahan_reporting = ma.fields.Integer()
    complete = ma.fields.Boolean()
    monthly = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    baseline_monthly = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    target = ma.fields.Nested(TargetSchema, allow_none=True)


class IndicatorRollupSchema(ma.Schema):
    region = ma.fields.Nested(PlaceSchema)
    year = ma.fields.Integer()
    as_of = ma.fields.DateTime(allow_none=True)
    indicators = ma.fields.List(ma.fields.Nested(IndicatorActualSchema))


class AreaIndicatorSchema(IndicatorActualSchema):
    share_of_region_percent = ma.fields.Float(allow_none=True)


class AreaSchema(PlaceSchema):
    rank = ma.fields.Integer()
    indicators_above_baseline = ma.fields.Integer()
    complete = ma.fields.Boolean()
    indicators = ma.fields.List(ma.fields.Nested(AreaIndicatorSchema))


class AreaComparisonSchema(ma.Schema):
    region = ma.fields.Nested(PlaceSchema)
    year = ma.fields.Integer()
    as_of = ma.fields.DateTime(allow_none=True)
    areas = ma.fields.List(ma.fields.Nested(AreaSchema))
