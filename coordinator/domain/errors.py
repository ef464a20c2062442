"""Errors the domain raises; each entry point turns them into its own response."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation. ``code`` is a stable machine-readable name."""

    code = "domain_error"

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
