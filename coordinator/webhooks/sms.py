"""``/webhooks/sms/...``: Twilio's and the generic gateway's inbound messages and status callbacks.

Every call is verified first: unsigned or badly signed calls get 403 and change nothing.
Twilio is answered with TwiML (its ``<Message>`` is the reply SMS); the gateway with JSON
``{"outcome": ..., "reply": ...}``, the reply being for the gateway to send back.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, jsonify, request

from coordinator.channels.status import apply_status
from coordinator.config import Config
from coordinator.webhooks.replies import RATE_LIMITED, receive_sms
from coordinator.webhooks.signatures import gateway_valid, twilio_valid

blp = Blueprint("webhooks", __name__, url_prefix="/webhooks/sms")
MAX_BODY = 64 * 1024


@blp.before_request
def _refuse_huge_bodies() -> Response | None:
    # Chunked bodies have no length; werkzeug then reads nothing, so they fail the signature.
    if (request.content_length or 0) > MAX_BODY:
        return Response("Payload too large\n", status=413, mimetype="text/plain")
    return None


def _config() -> Config:
    return current_app.extensions["sinergi"]  # type: ignore[no-any-return]


def _forbidden() -> Response:
    return Response("Forbidden: missing or invalid signature\n", status=403, mimetype="text/plain")


def _twiml(reply: str | None) -> Response:
    inner = f"<Message>{escape(reply)}</Message>" if reply else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'
    return Response(body, mimetype="text/xml")


def _twilio_signed() -> bool:
    # Only the URL Twilio was configured with (SINERGI_BASE_URL): a URL built from the request's
    # Host header would let a caller pick the URL the signature is checked against.
    query = request.query_string.decode("latin-1")
    path = request.path + (f"?{query}" if query else "")
    return twilio_valid(_config().twilio_auth_token, [_config().base_url + path], request.form,
                        request.headers.get("X-Twilio-Signature"))


@blp.post("/twilio")
def twilio_inbound() -> Response:
    """An SMS sent to our Twilio number (form fields From, To, Body, MessageSid)."""
    if not _twilio_signed():
        return _forbidden()
    sender, text = request.form.get("From", ""), request.form.get("Body", "")
    if not sender:
        return Response("Bad request: From is required\n", status=400, mimetype="text/plain")
    outcome = receive_sms("twilio", sender, text, message_id=request.form.get("MessageSid") or None)
    return _twiml(outcome.reply)


@blp.post("/twilio/status")
def twilio_status() -> Any:
    """Twilio's status callback (MessageSid, MessageStatus, ErrorCode)."""
    if not _twilio_signed():
        return _forbidden()
    sid, status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not status:
        return jsonify(error="MessageSid and MessageStatus are required"), 400
    update = apply_status("twilio", sid[:80], status, request.form.get("ErrorCode"))
    return jsonify(found=update.found, changed=update.changed, status=update.status)


def _gateway_fields() -> tuple[dict[str, str] | None, str | None]:
    """The body as a flat dict of strings (JSON object or form), or an error message."""
    raw = request.get_data(cache=True)
    if request.mimetype == "application/json":
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None, "body is not valid JSON"
        if not isinstance(data, dict):
            return None, "body must be a JSON object"
        return {str(k): "" if v is None else str(v) for k, v in data.items()
                if isinstance(v, (str, int, float)) or v is None}, None
    return {k: v for k, v in request.form.items()}, None


def _gateway_signed() -> bool:
    return gateway_valid(_config().sms_gateway_secret, request.get_data(cache=True),
                         request.headers.get("X-Sinergi-Signature"))


@blp.post("/gateway")
def gateway_inbound() -> Any:
    """An SMS received by the gateway: ``from`` and ``text`` (JSON or form), optional ``id``."""
    if not _gateway_signed():
        return _forbidden()
    fields, error = _gateway_fields()
    if fields is None or not fields.get("from"):
        return jsonify(error=error or "field 'from' is required"), 400
    # Without an id, the signed body itself names the message: replaying it (after a reopen,
    # say) is answered as the retry it is, not applied again.
    message_id = fields.get("id") or "body-" + hashlib.sha256(request.get_data()).hexdigest()[:40]
    outcome = receive_sms("gateway", fields["from"], fields.get("text", ""), message_id=message_id)
    if outcome.outcome == RATE_LIMITED:
        return jsonify(outcome=outcome.outcome, reply=None), 429
    return jsonify(outcome=outcome.outcome, reply=outcome.reply)


@blp.post("/gateway/status")
def gateway_status() -> Any:
    """A delivery report: ``id`` (the id the gateway gave when sending), ``status``, optional ``error``."""
    if not _gateway_signed():
        return _forbidden()
    fields, error = _gateway_fields()
    if fields is None or not fields.get("id") or not fields.get("status"):
        return jsonify(error=error or "fields 'id' and 'status' are required"), 400
    update = apply_status("gateway", fields["id"][:80], fields["status"], fields.get("error"))
    return jsonify(found=update.found, changed=update.changed, status=update.status)
