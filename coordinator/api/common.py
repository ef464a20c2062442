"""Shared schema base, cursor pagination and small helpers of the API resources."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from coordinator.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class StrictSchema(ma.Schema):
    """Every input schema rejects fields it does not know."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class PageArgsSchema(StrictSchema):
    cursor = ma.fields.String(load_default=None, metadata={"description": "from next_cursor"})
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT,
                              validate=ma.validate.Range(min=1, max=MAX_LIMIT))


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A ``{"items": [...], "next_cursor": ...}`` schema for ``item``."""
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item)),
        "next_cursor": ma.fields.String(allow_none=True),
    })


def encode_cursor(*values: Any) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, types: tuple[type, ...]) -> list[Any]:
    """The values of a cursor made by ``encode_cursor``; ``ApiError`` 400 if it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if (not isinstance(values, list) or len(values) != len(types)
            or not all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(values, types, strict=True))):
        raise bad_cursor()
    return values


def bad_cursor() -> ApiError:
    return ApiError(400, "bad_cursor", "The cursor is not valid; start again without it.",
                    {"cursor": ["Not a cursor returned by this API."]})


def page(rows: list[Any], limit: int, cursor_of: Any) -> dict[str, Any]:
    """Cut ``rows`` (fetched with ``limit + 1``) into a page with its next cursor."""
    more = len(rows) > limit
    items = rows[:limit]
    return {"items": items, "next_cursor": cursor_of(items[-1]) if more and items else None}


class StrictParser(FlaskParser):
    """Unknown query-string and form fields are errors too, not silently dropped."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {}  # noqa: RUF012


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()


def make_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    return ApiBlueprint(name, __name__, url_prefix=url_prefix, description=description)
