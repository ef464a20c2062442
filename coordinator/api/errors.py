"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``."""
from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import DataError, StatementError
from werkzeug.exceptions import HTTPException

from coordinator.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from coordinator.extensions import db

log = logging.getLogger(__name__)

STATUS_OF: dict[type[Exception], int] = {NotFound: 404, Conflict: 409, InvalidInput: 422, Forbidden: 403}
CODE_OF_STATUS = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid_input", 429: "rate_limited", 500: "internal_error",
}


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "stable machine-readable name"})
    message = ma.fields.String()
    # "fields_" with data_key: a schema attribute named "fields" would shadow Schema.fields.
    fields_ = ma.fields.Dict(
        data_key="fields", metadata={"description": "field name -> messages (400/422)"}
    )


class ErrorEnvelopeSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema)


class ApiError(Exception):
    """Raised by API code for an error with a specific code (``bad_cursor``, ``csrf_failed``)."""

    def __init__(self, status: int, code: str, message: str,
                 fields: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, fields: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response, status


def _flatten(messages: Any) -> dict[str, Any]:
    """webargs nests messages by location (json, query, files, form): drop that level."""
    if not isinstance(messages, dict):
        return {"_schema": messages}
    out: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            out.update(fields)
        else:
            out[location] = fields
    return out


def handle_http(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    fields = _flatten(data["messages"]) if "messages" in data else None
    message = "Invalid input." if status == 422 else (exc.description or exc.name)
    if status == 500:
        message = "Internal server error."
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(exc, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(sorted(valid_methods))
    return error_response(status, CODE_OF_STATUS.get(status, exc.name.lower().replace(" ", "_")),
                          message, fields, headers)


def handle_domain(exc: DomainError) -> tuple[Response, int]:
    status = next((s for cls, s in STATUS_OF.items() if isinstance(exc, cls)), 400)
    fields: Any = getattr(exc, "fields", None) or exc.details.get("fields")
    return error_response(status, exc.code, exc.message, fields or None)


def handle_api_error(exc: ApiError) -> tuple[Response, int]:
    return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)


def handle_data_error(exc: Exception) -> tuple[Response, int]:
    """A value the database cannot take (a number beyond its column, a NUL byte): the input's
    fault, so 400, and nothing was written."""
    db.session.rollback()
    return error_response(400, "invalid_input", "A value is out of range or not storable.")


def handle_unexpected(exc: Exception) -> tuple[Response, int]:
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    if isinstance(exc, (OverflowError, DataError)) or (
            isinstance(exc, StatementError) and isinstance(exc.orig, (ValueError, OverflowError))):
        return handle_data_error(exc)
    log.exception("unhandled API error")
    return error_response(500, "internal_error", "Internal server error.")


def install_error_handlers(blp: Blueprint) -> None:
    """Every error inside ``blp`` becomes the one JSON shape; internals never leak."""
    blp.register_error_handler(ApiError, handle_api_error)
    blp.register_error_handler(DomainError, handle_domain)
    blp.register_error_handler(HTTPException, handle_http)
    blp.register_error_handler(Exception, handle_unexpected)
