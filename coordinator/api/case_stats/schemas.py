"""Schemas of the case statistics resource."""
from __future__ import annotations

import marshmallow as ma

from coordinator.api.common import StrictSchema

MONTH = ma.validate.Regexp(r"^\d{4}-\d{2}$", error="Month must look like 2022-03.")
KELURAHAN = ma.validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$",
                               error="Not a kelurahan code like 31.73.04.1001.")


class CountSchema(StrictSchema):
    kelurahan_code = ma.fields.String(required=True, validate=KELURAHAN)
    indicator = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40),
                                 metadata={"description": "indicator code, e.g. ktpa_women"})
    count = ma.fields.Integer(required=True, strict=True,
                              validate=ma.validate.Range(min=0, max=100_000))


class CaseStatsBatchSchema(StrictSchema):
    month = ma.fields.String(required=True, validate=MONTH)
    counts = ma.fields.List(ma.fields.Nested(CountSchema), required=True,
                            validate=ma.validate.Length(min=1, max=5000))


class CaseStatsResultSchema(ma.Schema):
    month = ma.fields.String()
    changed = ma.fields.Integer()


class CaseStatsQueryArgsSchema(StrictSchema):
    month = ma.fields.String(required=True, validate=MONTH)
    region = ma.fields.String(load_default=None,
                              validate=ma.validate.Regexp(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"))


class CaseStatsMonthSchema(ma.Schema):
    month = ma.fields.String()
    counts = ma.fields.List(ma.fields.Nested(CountSchema))
