"""Schemas of the regions resource."""
from __future__ import annotations

import marshmallow as ma

from coordinator.api.common import StrictSchema

REGION = ma.validate.Regexp(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$",
                            error="Not a region code like 31.73.04.")


class RegionSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.String()
    parent_code = ma.fields.String(allow_none=True)


class RegionTreeSchema(RegionSchema):
    children = ma.fields.List(ma.fields.Nested(lambda: RegionTreeSchema()))


class RegionDetailSchema(RegionSchema):
    parent = ma.fields.Nested(RegionSchema, allow_none=True)
    children = ma.fields.List(ma.fields.Nested(RegionSchema))


class RegionTreeArgsSchema(StrictSchema):
    root = ma.fields.String(validate=REGION, metadata={"description": "default: your scope"})
    depth = ma.fields.Integer(load_default=2, validate=ma.validate.Range(min=0, max=3))
