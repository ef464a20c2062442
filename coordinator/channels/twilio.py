"""Twilio's REST API: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (form-encoded, basic auth).

Success is 201 with the message resource (``sid``, ``status``); errors carry Twilio's own
``code``. 429, 5xx, timeouts and throttling codes are transient; other 4xx (21211 invalid
number, 21610 unsubscribed, 21614 not a mobile, 20003 bad credentials) are permanent.

A timeout after the request left is uncertain: Twilio may have created the message. Before
sending such a message again, ``find_sent`` asks Twilio's message list
(``GET .../Messages.json?To=&From=&DateSent>=``) for a message with the same text created
since the attempt began; only when there is none (or it failed) does it go again. Requests go
over this process's kept-alive connection (``http_session``).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from coordinator.channels.base import (
    DeliveryResult,
    PermanentDeliveryError,
    TransientDeliveryError,
    UncertainDeliveryError,
    request_may_have_left,
)
from coordinator.channels.http_session import http_session
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
        response = http_session().post(
            messages_url(config), data=data, timeout=config.channel_timeout_seconds,
            auth=(config.twilio_account_sid or "", config.twilio_auth_token or ""),
        )
    except (requests.ConnectTimeout, requests.ConnectionError) as exc:
        if request_may_have_left(exc):
            raise UncertainDeliveryError(
                f"Twilio: no answer ({type(exc).__name__}); sent or not is unknown") from None
        raise TransientDeliveryError(f"Twilio unreachable: {type(exc).__name__}") from None
    except requests.Timeout as exc:
        raise UncertainDeliveryError(
            f"Twilio: no answer in time ({type(exc).__name__}); sent or not is unknown") from None
    except requests.RequestException as exc:
        raise PermanentDeliveryError(f"Twilio request failed: {exc}") from None
    return _result(response, parts)


def find_sent(config: Config, to: str, body: str, since: datetime,
              parts: int) -> DeliveryResult | None:
    """The message Twilio created for ``to`` with ``body`` since ``since``, if it went.

    None when Twilio has no such message, or only a failed one: sending again is safe.
    Raises ``UncertainDeliveryError`` when Twilio cannot be asked.
    """
    params = {"To": to, "From": config.twilio_from or "",
              "DateSent>": (since - timedelta(days=1)).date().isoformat(), "PageSize": "50"}
    try:
        response = http_session().get(
            messages_url(config), params=params, timeout=config.channel_timeout_seconds,
            auth=(config.twilio_account_sid or "", config.twilio_auth_token or ""),
        )
    except requests.RequestException as exc:
        raise UncertainDeliveryError(f"Twilio lookup failed: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise UncertainDeliveryError(f"Twilio lookup answered HTTP {response.status_code}")
    messages = _json(response).get("messages")
    for message in messages if isinstance(messages, list) else []:
        if _same_message(message, body, since) and message.get("status") not in FAILED_STATUSES:
            sid = message.get("sid")
            return DeliveryResult(provider_id=str(sid) if sid else None, parts=parts)
    return None


def _same_message(message: Any, body: str, since: datetime) -> bool:
    if not isinstance(message, dict) or message.get("body") != body:
        return False
    try:
        created = parsedate_to_datetime(str(message.get("date_created")))
    except (TypeError, ValueError):
        return True  # same text, unknown time: count it as ours rather than send twice
    # Twilio's dates have whole seconds: a message created in the attempt's second counts.
    return created >= since.replace(microsecond=0) - timedelta(seconds=1)


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
