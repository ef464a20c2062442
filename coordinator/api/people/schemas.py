"""Schemas of the people resource."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from coordinator.api.common import ID, PageArgsSchema, StrictSchema, page_schema
from coordinator.models.people import CHANNEL_PREFERENCES, ROLES

REGION = ma.validate.Regexp(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$",
                            error="Not a region code like 31.73.04.")
RT_RW = ma.validate.Regexp(r"^\d{1,3}$", error="A number of 1 to 3 digits.")


class PersonSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String()
    region_code = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    language = ma.fields.String()
    channel_preference = ma.fields.String()
    rt = ma.fields.String(allow_none=True)
    rw = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
    network_ids = ma.fields.Method("_network_ids")
    created_at = ma.fields.AwareDateTime()

    def _network_ids(self, person: object) -> list[int]:
        return sorted(n.id for n in person.networks)  # type: ignore[attr-defined]


class _PersonFields(StrictSchema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    region_code = ma.fields.String(validate=REGION)
    email = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=254))
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=40))
    language = ma.fields.String(validate=ma.validate.OneOf(("id", "en")))
    channel_preference = ma.fields.String(validate=ma.validate.OneOf(CHANNEL_PREFERENCES))
    rt = ma.fields.String(allow_none=True, validate=RT_RW)
    rw = ma.fields.String(allow_none=True, validate=RT_RW)
    network_ids = ma.fields.List(ma.fields.Integer(validate=ID), validate=ma.validate.Length(max=50))


class PersonCreateSchema(_PersonFields):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    region_code = ma.fields.String(required=True, validate=REGION)
    password = ma.fields.String(load_only=True, validate=ma.validate.Length(min=10, max=200))


class PersonUpdateSchema(_PersonFields):
    @ma.validates_schema
    def not_empty(self, data: dict[str, object], **kwargs: object) -> None:
        if not data:
            raise ma.ValidationError("Give at least one field to change.", "_schema")


class PeopleQueryArgsSchema(PageArgsSchema):
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    region_code = ma.fields.String(validate=REGION)
    network_id = ma.fields.Integer(validate=ID)
    active = ma.fields.Boolean()


class ImportUploadSchema(StrictSchema):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8) or .xlsx, at most "
                                           "IMPORT_MAX_MB (5 MB by default)"})
    commit = ma.fields.Boolean(load_default=False,
                               metadata={"description": "false: preview only; true: import"})


class RowErrorSchema(ma.Schema):
    line = ma.fields.Integer()
    column = ma.fields.String()
    message = ma.fields.String()


class ImportRowSchema(ma.Schema):
    line = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    kelurahan_code = ma.fields.String()
    network_ids = ma.fields.List(ma.fields.Integer())
    rt = ma.fields.String(allow_none=True)
    rw = ma.fields.String(allow_none=True)


class ImportResultSchema(ma.Schema):
    valid = ma.fields.Boolean()
    committed = ma.fields.Boolean()
    rows = ma.fields.List(ma.fields.Nested(ImportRowSchema))
    errors = ma.fields.List(ma.fields.Nested(RowErrorSchema))
    created_ids = ma.fields.List(ma.fields.Integer())


PersonPageSchema = page_schema(PersonSchema, "PersonPageSchema")
