"""Schemas of the networks resource."""
from __future__ import annotations

import marshmallow as ma


class NetworkSchema(ma.Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    active = ma.fields.Boolean()
