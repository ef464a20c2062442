"""Twilio's REST API: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (form-encoded, basic auth).

Success is 201 with the message resource (``sid``, ``status``); errors carry Twilio's own
``code``. 429, 5xx, timeouts and throttling codes are transient; other 4xx (21211 invalid
number, 21610 unsubscribed, 21614 not a mobile, 20003 bad credentials) are permanent.
"""
from __future__ import annotations

from typing import Any

import requests

from coordinator.channels.base import DeliveryResult, PermanentDeliveryError, TransientDeliveryError
from coordinator.config import Config

API_VERSION = "2010-04-01"
TRANSIENT_CODES = frozenset({14107, 20429, 20500, 20503, 30001})
FAILED_STATUSES = frozenset({"failed", "undelivered", "canceled"})
STATUS_CALLBACK_PATH = "/webhooks/sms/twilio/status"


def messages_url(config: Config) -> str:
    return f"{config.twilio_api_base}/{API_VERSION}/Accounts/{config.twilio_account_sid}/Messages.json"


def send(config: Config, to: str, body: str, parts: int) -> DeliveryResult:
    """Create one outgoing message; returns Twilio's message ``sid`` as the provider id."""
    data = {
        "To": to,
        "From": config.twilio_from or "",
        "Body": body,
        "StatusCallback": config.base_url + STATUS_CALLBACK_PATH,
    }
    try:
        response = requests.post(
            messages_url(config), data=data, timeout=config.channel_timeout_seconds,
            auth=(config.twilio_account_sid or "", config.twilio_auth_token or ""),
        )
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientDeliveryError(f"Twilio unreachable: {type(exc).__name__}") from None
    except requests.RequestException as exc:
        raise PermanentDeliveryError(f"Twilio request failed: {exc}") from None
    return _result(response, parts)


def _result(response: requests.Response, parts: int) -> DeliveryResult:
    payload = _json(response)
    if response.status_code in (200, 201):
        if payload.get("status") in FAILED_STATUSES:
            raise PermanentDeliveryError(f"Twilio {payload.get('error_code')}: message {payload['status']}")
        sid = payload.get("sid")
        # Accepted even if the body is odd: retrying would send the message twice.
        return DeliveryResult(provider_id=sid if isinstance(sid, str) and sid else None, parts=parts)
    raise classify_error(response.status_code, payload)


def classify_error(status: int, payload: dict[str, Any]) -> TransientDeliveryError | PermanentDeliveryError:
    """Transient or permanent, from the HTTP status and Twilio's error ``code``."""
    code = payload.get("code")
    text = f"Twilio HTTP {status} code {code}: {str(payload.get('message', ''))[:200]}"
    if status == 429 or status >= 500 or code in TRANSIENT_CODES:
        return TransientDeliveryError(text)
    return PermanentDeliveryError(text)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
