"""What every channel returns or raises: the delivery contract the workers rely on."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import requests


class Addressee(Protocol):
    """Who a message goes to, as a channel needs it (a ``Person`` row or a plain look-alike)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def language(self) -> str: ...


class Outgoing(Protocol):
    """One rendered message, as a channel needs it (a ``Notification`` row or a plain
    look-alike taken before the sender's commit, so that sending reads nothing more)."""

    @property
    def id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def body(self) -> str: ...
    @property
    def html_body(self) -> str | None: ...
    @property
    def recipient(self) -> Addressee: ...


@dataclass(frozen=True)
class DeliveryResult:
    """A message handed over: the provider's id for it (for status callbacks), its SMS parts,
    and the status to record at once where the channel knows it (the outbox)."""

    provider_id: str | None
    parts: int | None = None
    provider_status: str | None = None


class DeliveryError(Exception):
    """Base of delivery failures; ``message`` is short and safe to store in ``last_error``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message[:500]


class TransientDeliveryError(DeliveryError):
    """Worth retrying later: timeouts, provider 5xx or 429, SMTP 4xx, connection refused."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help: invalid number, provider 4xx, SMTP 5xx, no address."""


class UncertainDeliveryError(TransientDeliveryError):
    """The request left but no answer came back (a read timeout, a cut connection): the
    provider may or may not have taken the message. Resend only once the provider says it
    did not (``confirm_sent``), or where the provider drops repeats (an idempotency key)."""


def request_may_have_left(exc: requests.RequestException) -> bool:
    """Whether an HTTP request may have reached the provider before ``exc``: not for a refused
    or timed-out connect; yes for a connection cut while waiting for the answer."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    text = repr(exc)
    return not any(word in text for word in ("NewConnectionError", "Connection refused",
                                             "NameResolutionError", "Failed to resolve"))
