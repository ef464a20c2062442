"""Schemas of the actions resource."""
from __future__ import annotations

import marshmallow as ma

from coordinator.api.common import (
    DATE_RANGE,
    DATETIME_RANGE,
    ID,
    PageArgsSchema,
    StrictSchema,
    page_schema,
)
from coordinator.domain.bulk import RECURRENCES
from coordinator.domain.overdue import action_is_overdue
from coordinator.models import Action, utcnow
from coordinator.models.programs import ACTION_STATUSES
from coordinator.policy.limits import MAX_NOTE_LENGTH, MAX_PEOPLE_REACHED

KECAMATAN = ma.validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}$", error="Not a kecamatan code like 31.73.04.")
KELURAHAN = ma.validate.Regexp(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$",
                               error="Not a kelurahan code like 31.73.04.1001.")
REGION = ma.validate.Regexp(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$",
                            error="Not a region code like 31.73.04.")
POSITIVE = ID
PUBLIC_TITLE_DOC = ("The neutral title messages and the cadre page show (default: the program's); "
                    "refused (422) when it holds a configured case word, however spelt.")


class ActionSchema(ma.Schema):
    id = ma.fields.Integer()
    public_code = ma.fields.String()
    program_id = ma.fields.Integer()
    title = ma.fields.String()
    public_title = ma.fields.String()
    assignee_id = ma.fields.Integer(allow_none=True)
    kelurahan_code = ma.fields.String()
    network_id = ma.fields.Integer(allow_none=True)
    due_at = ma.fields.AwareDateTime()
    status = ma.fields.String()
    overdue = ma.fields.Method("_overdue")
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    completed_by_id = ma.fields.Integer(allow_none=True)
    note = ma.fields.String(allow_none=True)
    people_reached = ma.fields.Integer(allow_none=True)
    bulk_assignment_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()

    def _overdue(self, action: Action) -> bool:
        return action_is_overdue(action, utcnow())


class ActionCreateSchema(StrictSchema):
    program_id = ma.fields.Integer(required=True, validate=POSITIVE)
    kelurahan_code = ma.fields.String(required=True, validate=KELURAHAN)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    public_title = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=200),
                                    metadata={"description": PUBLIC_TITLE_DOC})
    due_at = ma.fields.AwareDateTime(required=True, validate=DATETIME_RANGE,
                                     metadata={"description": "ISO 8601 with offset"})
    assignee_id = ma.fields.Integer(load_default=None, allow_none=True, validate=POSITIVE)
    network_id = ma.fields.Integer(load_default=None, allow_none=True, validate=POSITIVE)


class ActionQueryArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(ACTION_STATUSES))
    overdue = ma.fields.Boolean()
    program_id = ma.fields.Integer(validate=POSITIVE)
    kecamatan = ma.fields.String(validate=KECAMATAN)
    kelurahan = ma.fields.String(validate=KELURAHAN)
    network_id = ma.fields.Integer(validate=POSITIVE)
    assignee_id = ma.fields.Integer(validate=POSITIVE)


class CompleteSchema(StrictSchema):
    note = ma.fields.String(load_default=None, allow_none=True,
                            validate=ma.validate.Length(max=MAX_NOTE_LENGTH))
    people_reached = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True,
        validate=ma.validate.Range(min=0, max=MAX_PEOPLE_REACHED))


class CompletionSchema(ma.Schema):
    action = ma.fields.Nested(ActionSchema)
    changed = ma.fields.Boolean()
    message = ma.fields.String()


class ReassignSchema(StrictSchema):
    assignee_id = ma.fields.Integer(required=True, allow_none=True, validate=POSITIVE)


class RescheduleSchema(StrictSchema):
    due_at = ma.fields.AwareDateTime(required=True, validate=DATETIME_RANGE,
                                     metadata={"description": "ISO 8601 with offset"})


class BulkSchema(StrictSchema):
    program_id = ma.fields.Integer(required=True, validate=POSITIVE)
    network_ids = ma.fields.List(ma.fields.Integer(validate=POSITIVE), required=True,
                                 validate=ma.validate.Length(min=1, max=50))
    region_codes = ma.fields.List(ma.fields.String(validate=REGION), required=True,
                                  validate=ma.validate.Length(min=1, max=500))
    due_date = ma.fields.Date(required=True, validate=DATE_RANGE,
                              metadata={"description": "local (WIB) date"})
    due_time = ma.fields.Time(load_default=None, metadata={"description": "local time, 17:00"})
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    public_title = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=200),
                                    metadata={"description": PUBLIC_TITLE_DOC})
    recurrence = ma.fields.String(load_default=None, allow_none=True,
                                  validate=ma.validate.OneOf(RECURRENCES))
    until = ma.fields.Date(load_default=None, allow_none=True, validate=DATE_RANGE,
                           metadata={"description": "last due date; at most 60 occurrences"})
    idempotency_key = ma.fields.String(load_default=None, allow_none=True,
                                       validate=ma.validate.Length(min=8, max=64))
    preview = ma.fields.Boolean(load_default=False)


class DayOffSchema(ma.Schema):
    date = ma.fields.Date()
    name = ma.fields.String()


class CadreSlotSchema(ma.Schema):
    name = ma.fields.String()
    network = ma.fields.String()


class KelurahanPlanSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    actions = ma.fields.Integer()
    cadres = ma.fields.List(ma.fields.Nested(CadreSlotSchema))
    unassigned_networks = ma.fields.List(ma.fields.String(), metadata={
        "description": "networks without a cadre here: their actions stay unassigned"})
    coordinators = ma.fields.List(ma.fields.String(), metadata={
        "description": "who will be asked to assign the unassigned actions"})


class KecamatanPlanSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    kelurahan = ma.fields.List(ma.fields.Nested(KelurahanPlanSchema))


class BulkPreviewSchema(ma.Schema):
    summary = ma.fields.Method("_summary")
    action_count = ma.fields.Integer()
    cadre_count = ma.fields.Integer()
    kelurahan_count = ma.fields.Integer()
    unassigned_count = ma.fields.Integer()
    occurrences = ma.fields.List(ma.fields.AwareDateTime())
    days_off = ma.fields.List(ma.fields.Nested(DayOffSchema))
    sensitive_words = ma.fields.List(ma.fields.String())
    warnings = ma.fields.List(ma.fields.String())
    per_kelurahan = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    program_status = ma.fields.String()
    areas = ma.fields.List(ma.fields.Nested(KecamatanPlanSchema), metadata={
        "description": "by name, per kecamatan and kelurahan (preview only)"})

    def _summary(self, preview: object) -> str:
        return str(preview.summary())  # type: ignore[attr-defined]


class BulkResultSchema(ma.Schema):
    bulk_assignment_id = ma.fields.Integer()
    created = ma.fields.Integer()
    already_submitted = ma.fields.Boolean()
    preview = ma.fields.Nested(BulkPreviewSchema, allow_none=True)


ActionPageSchema = page_schema(ActionSchema, "ActionPageSchema")
