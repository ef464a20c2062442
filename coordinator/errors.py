"""Errors the rules raise; each entry point turns them into its own response.

``reason`` (a :class:`coordinator.policy.Reason` value) says which rule refused, when one did.
"""
from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation. ``code`` is a stable machine-readable name."""

    code = "domain_error"
    reason: str | None = None

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request is valid but the current state forbids it (e.g. completing a cancelled action)."""

    code = "conflict"


class InvalidInput(DomainError):
    """Field-by-field validation errors: ``fields`` maps a field name to its messages."""

    code = "invalid_input"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class Forbidden(DomainError):
    code = "forbidden"


def N_(message: str) -> str:
    """Mark ``message`` for the translation catalog where it is written; entry points translate
    it when a person reads it (``flask_babel.gettext``). Returns it unchanged."""
    return message
