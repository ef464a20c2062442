"""Schemas of the API tokens resource."""
from __future__ import annotations

import marshmallow as ma

from coordinator.api.common import StrictSchema


class TokenSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    last_used_at = ma.fields.AwareDateTime(allow_none=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    expires_at = ma.fields.AwareDateTime(allow_none=True,
                                         metadata={"description": "after it, the token is refused"})


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(metadata={"description": "shown once; store it now"})


class TokenCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
