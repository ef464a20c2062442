"""A generic HTTP SMS gateway, the shape most Indonesian gateways use, configured by ``SMS_GATEWAY_*``.

The number and text go in the configured parameters (query string for GET, form body for POST)
next to the fixed extra parameters; the success rule decides whether the answer means "accepted".
Timeouts, 429 and 5xx are transient; other answers that fail the rule are permanent.

Every request carries an idempotency key (parameter ``SMS_GATEWAY_IDEMPOTENCY_PARAM``, value
``sinergi-<notification id>``, the same on every attempt). The contract (README "SMS gateway
contract"): a gateway that gets a key it has already accepted answers as it did the first time
and sends nothing. That makes a resend after a timeout safe; a timeout after the request left
is "uncertain" (``UncertainDeliveryError``), not "failed". Requests go over this process's
kept-alive connection (``http_session``).
"""
from __future__ import annotations

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
from coordinator.gateway_rules import json_field, parse_extra_params, parse_success_rule


def format_number(e164: str, style: str) -> str:
    """``+62812...`` as the gateway wants it: e164, international (``62812...``) or national (``0812...``)."""
    if style == "international":
        return e164.lstrip("+")
    if style == "national" and e164.startswith("+62"):
        return "0" + e164[3:]
    return e164


def idempotency_key(notification_id: int) -> str:
    """The key of one notification's SMS, the same on every attempt."""
    return f"sinergi-{notification_id}"


def request_params(config: Config, to: str, body: str,
                   key: str | None = None) -> list[tuple[str, str]]:
    params = parse_extra_params(config.sms_gateway_extra_params)
    params.append((config.sms_gateway_to_param, format_number(to, config.sms_gateway_number_format)))
    params.append((config.sms_gateway_text_param, body))
    if key is not None:
        params.append((config.sms_gateway_idempotency_param, key))
    return params


def send(config: Config, to: str, body: str, parts: int, key: str | None = None) -> DeliveryResult:
    """Hand one SMS to the gateway; the provider id comes from ``SMS_GATEWAY_ID_FIELD`` if set."""
    params = request_params(config, to, body, key)
    as_query = config.sms_gateway_method == "GET"
    try:
        response = http_session().request(
            config.sms_gateway_method, config.sms_gateway_url or "",
            params=params if as_query else None, data=None if as_query else params,
            timeout=config.channel_timeout_seconds,
        )
    except (requests.ConnectTimeout, requests.ConnectionError) as exc:
        if request_may_have_left(exc):
            raise UncertainDeliveryError(
                f"SMS gateway: no answer ({type(exc).__name__}); sent or not is unknown") from None
        raise TransientDeliveryError(f"SMS gateway unreachable: {type(exc).__name__}") from None
    except requests.Timeout as exc:
        raise UncertainDeliveryError(
            f"SMS gateway: no answer in time ({type(exc).__name__}); sent or not is unknown"
        ) from None
    except requests.RequestException as exc:
        raise PermanentDeliveryError(f"SMS gateway request failed: {exc}") from None
    text = response.text[:2000]
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientDeliveryError(f"SMS gateway HTTP {response.status_code}: {text[:200]}")
    if not parse_success_rule(config.sms_gateway_success_rule).matches(response.status_code, text):
        raise PermanentDeliveryError(
            f"SMS gateway refused (HTTP {response.status_code}, rule "
            f"{config.sms_gateway_success_rule!r}): {text[:200]}"
        )
    return DeliveryResult(provider_id=_provider_id(config, text), parts=parts)


def _provider_id(config: Config, body: str) -> str | None:
    if not config.sms_gateway_id_field:
        return None
    value = json_field(body, config.sms_gateway_id_field)
    return None if value is None or isinstance(value, (dict, list)) else str(value)[:80]
