"""Shared schema base, cursor pagination and small helpers of the API resources."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from coordinator.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_INT32 = 2**31 - 1  # ids and counts are 32-bit columns
MAX_JSON_DEPTH = 20
ID = ma.validate.Range(min=1, max=MAX_INT32)
# Dates the task force can mean: a due date in 9999 overflows the conversion to UTC.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
DATE_RANGE = ma.validate.Range(min=EARLIEST, max=LATEST,
                               error="Give a date between 2000-01-01 and 2100-12-31.")
DATETIME_RANGE = ma.validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC), max=datetime(2100, 12, 31, tzinfo=UTC),
    error="Give a time between 2000-01-01 and 2100-12-31.")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class StrictSchema(ma.Schema):
    """Every input schema rejects fields it does not know, and NUL characters anywhere
    (PostgreSQL cannot store them; no legitimate text holds one)."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def refuse_nul(self, data: Any, **kwargs: Any) -> Any:
        if _has_nul(data):
            raise ma.ValidationError("Text must not contain NUL characters.", "_schema")
        return data


class PageArgsSchema(StrictSchema):
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200),
                              metadata={"description": "from next_cursor"})
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
            or not all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(values, types, strict=True))
            or any(isinstance(v, int) and not 0 <= v <= MAX_INT32 for v in values)
            or any(isinstance(v, str) and (len(v) > 64 or "\x00" in v) for v in values)):
        raise bad_cursor()
    return values


def cursor_time(value: str) -> datetime:
    """A cursor's timestamp: aware, within the years any due date can have."""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise bad_cursor() from None
    if not EARLIEST.year <= moment.year <= LATEST.year:
        raise bad_cursor()
    return moment


def bad_cursor() -> ApiError:
    return ApiError(400, "bad_cursor", "The cursor is not valid; start again without it.",
                    {"cursor": ["Not a cursor returned by this API."]})


def page(rows: list[Any], limit: int, cursor_of: Any) -> dict[str, Any]:
    """Cut ``rows`` (fetched with ``limit + 1``) into a page with its next cursor."""
    more = len(rows) > limit
    items = rows[:limit]
    return {"items": items, "next_cursor": cursor_of(items[-1]) if more and items else None}


def json_depth(raw: bytes) -> int:
    """How deeply a JSON text nests (brackets outside strings), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


class StrictParser(FlaskParser):
    """Unknown query-string and form fields are errors too, not silently dropped; JSON nested
    deeper than any schema is refused before parsing (5,000 levels would exhaust the stack)."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {}  # noqa: RUF012
    __location_map__ = dict(FlaskParser.__location_map__, multipart="load_multipart")  # noqa: RUF012

    def load_multipart(self, req: Any, schema: ma.Schema) -> Any:
        """Form fields and files of a ``multipart/form-data`` body, as one set of arguments."""
        return webargs_core.MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)

    def _raw_load_json(self, req: Any) -> Any:
        if json_depth(req.get_data(cache=True)) > MAX_JSON_DEPTH:
            raise ApiError(400, "bad_request",
                           f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
        return super()._raw_load_json(req)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()
    # "multipart": a file with its form fields, documented as one multipart/form-data body
    # (OpenAPI 3 has no formData parameters).
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = dict(  # noqa: RUF012
        Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, multipart="multipart/form-data")


def make_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    return ApiBlueprint(name, __name__, url_prefix=url_prefix, description=description)
