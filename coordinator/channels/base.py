"""What every channel returns or raises: the delivery contract the workers rely on."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryResult:
    """A message handed over: the provider's id for it (for status callbacks) and its SMS parts."""

    provider_id: str | None
    parts: int | None = None


class DeliveryError(Exception):
    """Base of delivery failures; ``message`` is short and safe to store in ``last_error``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message[:500]


class TransientDeliveryError(DeliveryError):
    """Worth retrying later: timeouts, provider 5xx or 429, SMTP 4xx, connection refused."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help: invalid number, provider 4xx, SMTP 5xx, no address."""
