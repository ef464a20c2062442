"""Webhook signatures: Twilio's ``X-Twilio-Signature`` and the gateway's ``X-Sinergi-Signature``.

Twilio: base64(HMAC-SHA1(auth token, URL + every POST parameter name and value, sorted by name)).
Gateway: hex(HMAC-SHA256(SMS_GATEWAY_SECRET, raw request body)). No secret configured: nothing
verifies, so every call is refused.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from werkzeug.datastructures import MultiDict


def twilio_signature(auth_token: str, url: str, params: MultiDict[str, str]) -> str:
    payload = url + "".join(
        key + value for key in sorted(params.keys()) for value in sorted(params.getlist(key))
    )
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_valid(auth_token: str | None, urls: Iterable[str], params: MultiDict[str, str],
                 signature: str | None) -> bool:
    """Whether ``signature`` signs ``params`` for one of the ``urls`` the request may have used."""
    if not auth_token or not signature:
        return False
    if not signature.isascii():
        return False  # compare_digest refuses non-ASCII text: a forged header, not a 500
    return any(
        hmac.compare_digest(twilio_signature(auth_token, url, params), signature) for url in urls
    )


def gateway_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def gateway_valid(secret: str | None, body: bytes, signature: str | None) -> bool:
    if not secret or not signature or not signature.isascii():
        return False
    return hmac.compare_digest(gateway_signature(secret, body), signature.strip().lower())
