"""Inbound SMS and status callbacks through the signed webhooks, end to end."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import AuditEntry, Event, InboundSms, Notification
from coordinator.webhooks.signatures import twilio_signature
from tests.channels.conftest import (
    BASE_URL,
    GATEWAY_SECRET,
    TWILIO_TOKEN,
    app_with,
    make_action,
    make_notification,
    make_person,
    make_program,
)

TOKEN, SECRET, BASE = TWILIO_TOKEN, GATEWAY_SECRET, BASE_URL
PHONE = "+6281234567890"


@pytest.fixture
def hooks(world: Flask) -> FlaskClient:
    """A client of the app, whose Twilio token and gateway secret are configured."""
    return world.test_client()


def twilio_sign(path: str, params: dict[str, str]) -> str:
    """Twilio's algorithm, written independently of the code under test."""
    payload = BASE + path + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def post_twilio(client: FlaskClient, params: dict[str, str], path: str = "/webhooks/sms/twilio",
                signature: str | None = None) -> tuple[int, str]:
    headers = {"X-Twilio-Signature": signature if signature is not None else twilio_sign(path, params)}
    response = client.post(path, data=params, headers=headers)
    return response.status_code, response.get_data(as_text=True)


def sms(body: str, sender: str = "081234567890", sid: str = "SMa1") -> dict[str, str]:
    return {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid,
            "AccountSid": "AC" + "1" * 32, "NumSegments": "1"}


def post_gateway(client: FlaskClient, payload: dict[str, object], path: str = "/webhooks/sms/gateway",
                 secret: str = SECRET) -> tuple[int, dict[str, object]]:
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(path, data=body, content_type="application/json",
                           headers={"X-Sinergi-Signature": signature})
    return response.status_code, response.get_json(silent=True) or {}


def completions() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Event)
                                 .where(Event.type == "ActionCompleted")) or 0)


def test_twilio_reply_completes_the_action_through_the_domain(hooks: FlaskClient) -> None:
    cadre = make_person(phone=PHONE)
    action = make_action(make_program(make_person("lead")), cadre, code="A7K2")
    status, body = post_twilio(hooks, sms("selesai a7k2 40"))
    assert status == 200
    assert body == ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Sinergi: terima kasih! '
                    "Tugas A7K2 tercatat selesai, 40 orang terjangkau.</Message></Response>")
    db.session.refresh(action)
    assert (action.status, action.people_reached, action.completed_by_id) == ("done", 40, cadre.id)
    assert completions() == 1
    assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.operation == "complete")) == cadre.id
    logged = db.session.scalars(select(InboundSms)).one()
    assert (logged.sender, logged.outcome, logged.action_id) == (PHONE, "done", action.id)


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="])
def test_unsigned_or_badly_signed_twilio_calls_are_refused(hooks: FlaskClient, signature: str) -> None:
    action = make_action(make_program(make_person("lead")), make_person(phone=PHONE), code="A7K2")
    status, _ = post_twilio(hooks, sms("SELESAI A7K2"), signature=signature)
    assert status == 403
    db.session.refresh(action)
    assert action.status == "open" and completions() == 0
    assert db.session.scalar(select(func.count()).select_from(InboundSms)) == 0


def test_a_signature_for_other_parameters_is_refused(hooks: FlaskClient) -> None:
    make_action(make_program(make_person("lead")), make_person(phone=PHONE), code="A7K2")
    signature = twilio_sign("/webhooks/sms/twilio", sms("halo"))
    status, _ = post_twilio(hooks, sms("SELESAI A7K2"), signature=signature)
    assert status == 403 and completions() == 0


def test_a_retried_twilio_message_is_handled_once(hooks: FlaskClient) -> None:
    make_action(make_program(make_person("lead")), make_person(phone=PHONE), code="A7K2")
    assert "terima kasih" in post_twilio(hooks, sms("SELESAI A7K2", sid="SMdup"))[1]
    assert post_twilio(hooks, sms("SELESAI A7K2", sid="SMdup")) == (
        200, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>')
    assert completions() == 1


MESSAGE_IDS = itertools.count(1)


def reply(client: FlaskClient, text: str, sender: str = PHONE) -> dict[str, object]:
    """One message through the gateway, with its own id as a real gateway gives it."""
    status, payload = post_gateway(client, {"from": sender, "text": text,
                                            "id": f"in-{next(MESSAGE_IDS)}"})
    assert status == 200, payload
    return payload


def test_a_replayed_gateway_message_without_id_is_not_applied_again(hooks: FlaskClient) -> None:
    cadre = make_person(phone=PHONE)
    action = make_action(make_program(make_person("lead")), cadre, code="A7K2")
    message = {"from": PHONE, "text": "SELESAI A7K2"}
    assert post_gateway(hooks, message)[1]["outcome"] == "done"
    action.status, action.completed_at = "open", None  # reopened by the coordinator
    db.session.commit()
    assert post_gateway(hooks, message)[1]["outcome"] == "duplicate"
    db.session.refresh(action)
    assert action.status == "open" and completions() == 1


def test_unknown_number_gets_a_helpful_reply_and_nothing_changes(hooks: FlaskClient) -> None:
    action = make_action(make_program(make_person("lead")), make_person(phone=PHONE), code="A7K2")
    payload = reply(hooks, "SELESAI A7K2", sender="+6289876543210")
    assert payload["outcome"] == "unknown_number" and "belum terdaftar" in str(payload["reply"])
    assert reply(hooks, "DONE A7K2", sender="not-a-number")["reply"] == (
        "Sinergi: this number is not registered. Please contact your kelurahan coordinator.")
    db.session.refresh(action)
    assert action.status == "open" and completions() == 0


def test_someone_elses_action_is_not_completed(hooks: FlaskClient) -> None:
    make_person(phone=PHONE)
    other = make_person(phone="+6281299998888")
    action = make_action(make_program(make_person("lead")), other, code="A7K2")
    payload = reply(hooks, "SELESAI A7K2")
    assert payload["outcome"] == "not_yours"
    db.session.refresh(action)
    assert action.status == "open" and completions() == 0


@pytest.mark.parametrize(("text", "outcome"), [
    ("SELESAI C9X4", "unknown_code"),
    ("halo bu, apa kabar", "garbage"),
    ("belum selesai A7K2", "garbage"),
    ("'; DROP TABLE actions; --", "garbage"),
    ("SELESAI A7K2 -3", "invalid_count"),
    ("SELESAI A7K2 99999999", "invalid_count"),
])
def test_replies_that_change_nothing(hooks: FlaskClient, text: str, outcome: str) -> None:
    action = make_action(make_program(make_person("lead")), make_person(phone=PHONE), code="A7K2")
    payload = reply(hooks, text)
    assert payload["outcome"] == outcome and payload["reply"]
    db.session.refresh(action)
    assert action.status == "open" and completions() == 0


def test_cancelled_action_is_not_completed(hooks: FlaskClient) -> None:
    cadre = make_person(phone=PHONE)
    action = make_action(make_program(make_person("lead")), cadre, code="A7K2", status="cancelled")
    payload = reply(hooks, "SELESAI A7K2")
    assert payload["outcome"] == "cancelled" and "dibatalkan" in str(payload["reply"])
    db.session.refresh(action)
    assert action.status == "cancelled" and completions() == 0


def test_done_twice_is_confirmed_once(hooks: FlaskClient) -> None:
    make_action(make_program(make_person("lead")), make_person(phone=PHONE), code="A7K2")
    assert reply(hooks, "SELESAI A7K2")["outcome"] == "done"
    assert reply(hooks, "SELESAI A7K2")["outcome"] == "already_done"
    assert completions() == 1


def test_lone_sudah_completes_the_only_open_action(hooks: FlaskClient) -> None:
    cadre = make_person(phone=PHONE)
    program = make_program(make_person("lead"))
    make_action(program, cadre, code="D3NE", status="done")
    action = make_action(program, cadre, code="A7K2")
    payload = reply(hooks, "sudah, 25 org")
    assert payload["outcome"] == "done"
    db.session.refresh(action)
    assert action.status == "done" and action.people_reached == 25


def test_lone_sudah_with_two_open_actions_asks_which(hooks: FlaskClient) -> None:
    cadre = make_person(phone=PHONE)
    program = make_program(make_person("lead"))
    make_action(program, cadre, code="A7K2")
    make_action(program, cadre, code="C3DE")
    payload = reply(hooks, "sdh")
    assert payload["outcome"] == "choose" and "A7K2" in str(payload["reply"]) and "C3DE" in str(payload["reply"])
    assert completions() == 0
    assert reply(hooks, "sdh")["outcome"] == "choose"


def test_lone_sudah_without_open_actions(hooks: FlaskClient) -> None:
    make_person(phone=PHONE)
    assert reply(hooks, "udah")["outcome"] == "no_open"


def test_shared_phone_completes_the_action_of_the_right_person(hooks: FlaskClient) -> None:
    mother = make_person(phone=PHONE)
    daughter = make_person(phone=PHONE, language="en")
    action = make_action(make_program(make_person("lead")), daughter, code="A7K2")
    payload = reply(hooks, "DONE A7K2")
    assert payload["reply"] == "Sinergi: thank you! Task A7K2 is recorded as done."
    db.session.refresh(action)
    assert action.completed_by_id == daughter.id != mother.id


def test_gateway_calls_without_valid_signature_or_body_are_refused(hooks: FlaskClient) -> None:
    action = make_action(make_program(make_person("lead")), make_person(phone=PHONE), code="A7K2")
    assert post_gateway(hooks, {"from": PHONE, "text": "SELESAI A7K2"}, secret="wrong")[0] == 403
    response = hooks.post("/webhooks/sms/gateway", json={"from": PHONE, "text": "SELESAI A7K2"})
    assert response.status_code == 403
    assert post_gateway(hooks, {"text": "SELESAI A7K2"})[0] == 400
    body = b"{not json"
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = hooks.post("/webhooks/sms/gateway", data=body, content_type="application/json",
                          headers={"X-Sinergi-Signature": signature})
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]
    assert hooks.post("/webhooks/sms/gateway", data=b"x" * 70_000).status_code == 413
    db.session.refresh(action)
    assert action.status == "open" and completions() == 0


def test_gateway_accepts_form_bodies(hooks: FlaskClient) -> None:
    make_action(make_program(make_person("lead")), make_person(phone=PHONE), code="A7K2")
    body = urlencode({"from": "6281234567890", "text": "selesai A7K2"}).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = hooks.post("/webhooks/sms/gateway", data=body,
                          content_type="application/x-www-form-urlencoded",
                          headers={"X-Sinergi-Signature": signature})
    assert response.get_json()["outcome"] == "done"


def test_without_configured_secrets_every_call_is_refused(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    body = json.dumps({"from": PHONE, "text": "SELESAI A7K2"}).encode()
    signature = hmac.new(b"", body, hashlib.sha256).hexdigest()
    with app_with(make_app, twilio_auth_token=None, sms_gateway_secret=None) as app:
        client = app.test_client()
        assert client.post("/webhooks/sms/gateway", data=body, content_type="application/json",
                           headers={"X-Sinergi-Signature": signature}).status_code == 403
        assert client.post("/webhooks/sms/twilio", data=sms("x"),
                           headers={"X-Twilio-Signature": "x"}).status_code == 403


def test_inbound_messages_are_rate_limited_per_sender(hooks: FlaskClient) -> None:
    make_person(phone=PHONE)
    for _ in range(5):
        assert reply(hooks, "halo")["outcome"] == "garbage"
    assert post_gateway(hooks, {"from": PHONE, "text": "halo"}) == (
        429, {"outcome": "rate_limited", "reply": None})
    assert post_twilio(hooks, sms("halo", sender="081234567890", sid="SMr"))[1].endswith("<Response></Response>")
    assert reply(hooks, "halo", sender="+6281200001111")["outcome"] == "unknown_number"


def test_rate_limit_in_redis(world: Flask, make_app: Callable[..., Flask], redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    with app_with(make_app, sms_gateway_secret=SECRET, redis_url=redis_url,
                  sms_inbound_rate_limit=2) as app:
        client = app.test_client()
        make_person(phone=PHONE)
        assert post_gateway(client, {"from": PHONE, "text": "a"})[0] == 200
        assert post_gateway(client, {"from": PHONE, "text": "b"})[0] == 200
        assert post_gateway(client, {"from": PHONE, "text": "c"})[0] == 429
        assert redis.Redis.from_url(redis_url).keys("*sinergi*sms-in*")


def sent_sms(provider_id: str) -> Notification:
    notification = make_notification(make_person())
    notification.provider_id, notification.status = provider_id, "sent"
    db.session.commit()
    return notification


def twilio_status(client: FlaskClient, sid: str, status: str, error: str | None = None) -> int:
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC1", "To": PHONE}
    if error:
        params["ErrorCode"] = error
    return post_twilio(client, params, path="/webhooks/sms/twilio/status")[0]


def test_twilio_status_callbacks_update_the_notification(hooks: FlaskClient) -> None:
    notification = sent_sms("SM00000000000000000000000000000100")
    assert twilio_status(hooks, "SM00000000000000000000000000000100", "sent") == 200
    assert twilio_status(hooks, "SM00000000000000000000000000000100", "delivered") == 200
    assert twilio_status(hooks, "SM00000000000000000000000000000100", "sent") == 200  # late, out of order: ignored
    db.session.refresh(notification)
    assert (notification.status, notification.provider_status) == ("sent", "delivered")


@pytest.mark.parametrize(("error", "status"), [("30005", "dead"), ("21211", "dead"), ("30003", "failed")])
def test_twilio_failure_callback_marks_dead_or_failed(hooks: FlaskClient, error: str, status: str) -> None:
    notification = sent_sms("SM00000000000000000000000000000200")
    assert twilio_status(hooks, "SM00000000000000000000000000000200", "undelivered", error) == 200
    db.session.refresh(notification)
    assert notification.status == status and error in (notification.last_error or "")


def test_status_callback_with_bad_signature_changes_nothing(hooks: FlaskClient) -> None:
    notification = sent_sms("SM00000000000000000000000000000300")
    params = {"MessageSid": "SM00000000000000000000000000000300", "MessageStatus": "failed"}
    assert post_twilio(hooks, params, path="/webhooks/sms/twilio/status", signature="AAAA")[0] == 403
    db.session.refresh(notification)
    assert notification.status == "sent" and notification.provider_status is None


def test_status_of_unknown_message_is_acknowledged_without_change(hooks: FlaskClient) -> None:
    params = {"MessageSid": "SMnope", "MessageStatus": "delivered"}
    response = hooks.post("/webhooks/sms/twilio/status", data=params, headers={
        "X-Twilio-Signature": twilio_sign("/webhooks/sms/twilio/status", params)})
    assert response.get_json() == {"found": False, "changed": False, "status": None}


def test_gateway_delivery_reports(hooks: FlaskClient) -> None:
    notification = sent_sms("GW1000")
    path = "/webhooks/sms/gateway/status"
    assert post_gateway(hooks, {"id": "GW1000", "status": "DELIVRD"}, path=path)[1]["changed"] is True
    db.session.refresh(notification)
    assert notification.provider_status == "delivrd"
    assert post_gateway(hooks, {"id": "GW1000"}, path=path)[0] == 400
    assert post_gateway(hooks, {"id": "GW1000", "status": "failed"}, path=path, secret="x")[0] == 403


def test_nothing_inbound_stores_the_message_text(hooks: FlaskClient) -> None:
    make_person(phone=PHONE)
    reply(hooks, "korban di RW 05 butuh bantuan")
    columns = {c.name for c in InboundSms.__table__.columns}
    assert not columns & {"body", "text", "message"}
    logged = db.session.scalars(select(InboundSms)).one()
    assert (logged.sender, logged.outcome) == (PHONE, "garbage")


def test_twilio_signature_matches_twilios_documented_example() -> None:
    from werkzeug.datastructures import MultiDict

    params = MultiDict({"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
                        "From": "+12349013030", "To": "+18005551212"})
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_a_code_of_the_sender_wins_over_someone_elses(hooks: FlaskClient) -> None:
    program = make_program(make_person("lead"))
    make_action(program, make_person(phone="+6281299998888"), code="A7K2")
    mine = make_action(program, make_person(phone=PHONE), code="C3DE")
    assert reply(hooks, "selesai A7K2 C3DE")["outcome"] == "done"
    db.session.refresh(mine)
    assert mine.status == "done" and completions() == 1


HOSTILE = [
    "", " ", "\x00\x01\x02\x1b[31m", "A" * 1600, "SELESAI " + "A7K2 " * 300, "🙏" * 500,
    "\u202eIAS ELES", "ＳＥＬＥＳＡＩ　Ｑ９Ｘ４", "selesai <script>alert(1)</script>",
    "SELESAI A7K2' OR '1'='1", "SELESAI {{ config }}", "selesai %s%s%n", "SELESAI\r\n\r\nQ9X4",
    "done " + "9" * 40, "sudah " + "-" * 1000, "\ud7ff\ue000\uffff", "SELESAI Q9X4 1e9",
]


def test_hostile_replies_never_fail_and_change_nothing(hooks: FlaskClient) -> None:
    cadre = make_person(phone=PHONE)
    program = make_program(make_person("lead"))
    first = make_action(program, cadre, code="C3DE")
    second = make_action(program, cadre, code="D4FG")
    for index, text in enumerate(HOSTILE):
        sender = f"+62812000{index:05d}" if index % 2 else PHONE
        status, payload = post_gateway(hooks, {"from": sender, "text": text})
        assert status in (200, 429), (text, payload)
        if index % 3 == 0:
            assert post_twilio(hooks, sms(text, sender=sender, sid=f"SMh{index}"))[0] == 200
    for action in (first, second):
        db.session.refresh(action)
        assert action.status == "open"
    assert completions() == 0


def test_rate_limit_falls_back_to_the_database_when_redis_is_down(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    from tests.channels.test_sms_providers import closed_port

    with app_with(make_app, sms_gateway_secret=SECRET, sms_inbound_rate_limit=1,
                  redis_url=f"redis://127.0.0.1:{closed_port()}/4") as app:
        client = app.test_client()
        make_person(phone=PHONE)
        assert post_gateway(client, {"from": PHONE, "text": "halo"})[0] == 200
        assert post_gateway(client, {"from": PHONE, "text": "halo lagi"})[0] == 429
