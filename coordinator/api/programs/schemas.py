"""Schemas of the programs resource."""
from __future__ import annotations

import marshmallow as ma

from coordinator.api.common import PageArgsSchema, StrictSchema, page_schema
from coordinator.models.programs import PROGRAM_CATEGORIES, PROGRAM_STATUSES

PUBLIC_TITLE_DOC = ("The neutral title every message and the cadre page show; refused (422) when "
                    "it holds a configured case word, however spelt.")
REGION_CODE = ma.validate.Regexp(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$",
                                 error="Not a region code like 31.73.04.")


class ProgramSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String()
    public_title = ma.fields.String(metadata={"description": PUBLIC_TITLE_DOC})
    description = ma.fields.String()
    category = ma.fields.String()
    year = ma.fields.Integer()
    region_code = ma.fields.String()
    owner_id = ma.fields.Integer()
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class ProgramDetailSchema(ProgramSchema):
    action_counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class ProgramCreateSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    public_title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                                    metadata={"description": PUBLIC_TITLE_DOC})
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=10_000))
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(PROGRAM_CATEGORIES))
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=2000, max=2100))
    region_code = ma.fields.String(required=True, validate=REGION_CODE)


class ProgramUpdateSchema(StrictSchema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    public_title = ma.fields.String(validate=ma.validate.Length(min=1, max=200),
                                    metadata={"description": PUBLIC_TITLE_DOC})
    description = ma.fields.String(validate=ma.validate.Length(max=10_000))
    category = ma.fields.String(validate=ma.validate.OneOf(PROGRAM_CATEGORIES))
    year = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=2100))
    region_code = ma.fields.String(validate=REGION_CODE)

    @ma.validates_schema
    def not_empty(self, data: dict[str, object], **kwargs: object) -> None:
        if not data:
            raise ma.ValidationError("Give at least one field to change.", "_schema")


class ProgramQueryArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(PROGRAM_STATUSES))
    year = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=2100))
    region_code = ma.fields.String(validate=REGION_CODE)


ProgramPageSchema = page_schema(ProgramSchema, "ProgramPageSchema")
