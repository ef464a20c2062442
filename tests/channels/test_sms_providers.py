"""SMS over Twilio's REST API and a generic HTTP gateway, both served on loopback by the test."""
from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from flask import Flask

from coordinator.channels import (
    DeliveryResult,
    PermanentDeliveryError,
    TransientDeliveryError,
    transmit,
)
from coordinator.channels.http_gateway import format_number
from coordinator.config import ConfigError, load_config
from coordinator.gateway_rules import RuleError, parse_success_rule
from tests.channels.conftest import app_with, make_notification, make_person
from tests.channels.fakes import (
    BROKEN_NUMBER,
    INVALID_NUMBER,
    SID,
    THROTTLED_NUMBER,
    TOKEN,
    FakeGateway,
    FakeTwilio,
    serve,
)

TEXT = "Sinergi: Tugas baru: Penyuluhan warga, batas 15/03 17:00 WIB. Kode A7K2."


def twilio_config(base: str) -> dict[str, object]:
    return {"sms_provider": "twilio", "twilio_account_sid": SID, "twilio_auth_token": TOKEN,
            "twilio_from": "+15005550006", "twilio_api_base": base,
            "base_url": "https://sinergi.test"}


def test_twilio_receives_the_message_and_its_sid_is_the_provider_id(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    fake = FakeTwilio()
    with serve(fake) as base, app_with(make_app, **twilio_config(base)):
        person = make_person(phone="+6281234567890")
        result = transmit(make_notification(person, body=TEXT))
    assert result.provider_id is not None and result.provider_id.startswith("SM")
    assert result.parts == 1
    assert fake.requests == [{
        "To": "+6281234567890", "From": "+15005550006", "Body": TEXT,
        "StatusCallback": "https://sinergi.test/webhooks/sms/twilio/status",
    }]


@pytest.mark.parametrize(("number", "error"), [
    (INVALID_NUMBER, PermanentDeliveryError),
    (THROTTLED_NUMBER, TransientDeliveryError),
    (BROKEN_NUMBER, TransientDeliveryError),
])
def test_twilio_errors_are_transient_or_permanent(
    world: Flask, make_app: Callable[..., Flask], number: str, error: type[Exception]
) -> None:
    with serve(FakeTwilio()) as base, app_with(make_app, **twilio_config(base)):
        notification = make_notification(make_person(phone=number))
        with pytest.raises(error) as caught:
            transmit(notification)
    if number == INVALID_NUMBER:
        assert "21211" in str(caught.value)


def test_twilio_with_wrong_credentials_is_permanent(world: Flask, make_app: Callable[..., Flask]) -> None:
    config = {**twilio_config(""), "twilio_auth_token": "wrong"}
    with serve(FakeTwilio()) as base, app_with(make_app, **{**config, "twilio_api_base": base}):
        notification = make_notification(make_person())
        with pytest.raises(PermanentDeliveryError, match="20003"):
            transmit(notification)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_provider_is_transient(world: Flask, make_app: Callable[..., Flask]) -> None:
    with app_with(make_app, **twilio_config(f"http://127.0.0.1:{closed_port()}")):
        notification = make_notification(make_person())
        with pytest.raises(TransientDeliveryError, match="unreachable"):
            transmit(notification)


def test_a_provider_that_never_answers_times_out_as_transient(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with app_with(make_app, **twilio_config(base), channel_timeout_seconds=1):
            notification = make_notification(make_person())
            with pytest.raises(TransientDeliveryError, match="Timeout"):
                transmit(notification)


def gateway_config(base: str, **extra: object) -> dict[str, object]:
    config: dict[str, object] = {
        "sms_provider": "http", "sms_gateway_url": f"{base}/send", "sms_gateway_method": "POST",
        "sms_gateway_to_param": "msisdn", "sms_gateway_text_param": "text",
        "sms_gateway_extra_params": "user=sinergi&key=s3cr%26t",
        "sms_gateway_success_rule": "json:status=success",
        "sms_gateway_id_field": "data.message_id", "sms_gateway_number_format": "national",
    }
    return {**config, **extra}


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_gateway_gets_configured_parameters_and_returns_its_id(
    world: Flask, make_app: Callable[..., Flask], method: str
) -> None:
    fake = FakeGateway()
    with serve(fake) as base, app_with(make_app, **gateway_config(base, sms_gateway_method=method)):
        notification = make_notification(make_person(phone="+6281234567890"), body=TEXT)
        notification_id = notification.id
        result = transmit(notification)
    assert result == DeliveryResult(provider_id="GW1000", parts=1)
    assert fake.requests == [{"method": method, "user": "sinergi", "key": "s3cr&t",
                              "msisdn": "081234567890", "text": TEXT,
                              "idempotency_key": f"sinergi-{notification_id}"}]


def test_gateway_refusal_by_success_rule_is_permanent_and_5xx_transient(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    with serve(FakeGateway()) as base, app_with(make_app, **gateway_config(base)):
        with pytest.raises(PermanentDeliveryError, match="invalid destination"):
            transmit(make_notification(make_person(phone="+6281100000001")))
        with pytest.raises(TransientDeliveryError, match="503"):
            transmit(make_notification(make_person(phone="+6281100000003")))


def test_sms_without_phone_is_permanent(world: Flask, make_app: Callable[..., Flask]) -> None:
    with serve(FakeTwilio()) as base, app_with(make_app, **twilio_config(base)):
        notification = make_notification(make_person(phone=None))
        with pytest.raises(PermanentDeliveryError, match="no phone"):
            transmit(notification)


def test_sms_with_a_case_word_never_leaves(world: Flask, make_app: Callable[..., Flask]) -> None:
    fake = FakeTwilio()
    with serve(fake) as base, app_with(make_app, **twilio_config(base)):
        notification = make_notification(make_person(), body="Dampingi korban di RW 03")
        with pytest.raises(PermanentDeliveryError, match="sensitive"):
            transmit(notification)
    assert fake.requests == []


def test_outbox_is_the_default_and_keeps_the_message(world: Flask) -> None:
    notification = make_notification(make_person(), body=TEXT + " €€")
    result = transmit(notification)
    assert result.provider_id == f"outbox-{notification.id}"
    assert result.parts == 1 and result.provider_status == "outbox"


@pytest.mark.parametrize(("rule", "status", "body", "ok"), [
    ("status:2xx", 201, "", True),
    ("status:2xx", 302, "", False),
    ("status:200", 202, "", False),
    ("json:status=success", 200, '{"status": "success"}', True),
    ("json:status=success", 200, '{"status": "failed"}', False),
    ("json:result.code=0", 200, '{"result": {"code": 0}}', True),
    ("json:ok=true", 200, '{"ok": true}', True),
    ("json:status=success", 200, "not json", False),
    ("json:status=success", 500, '{"status": "success"}', False),
    ("body-contains:OK", 200, "OK: 123", True),
    ("body-contains:OK", 200, "ERR", False),
])
def test_success_rules(rule: str, status: int, body: str, ok: bool) -> None:
    assert parse_success_rule(rule).matches(status, body) is ok


@pytest.mark.parametrize("rule", ["", "status", "status:abc", "json:=x", "json:a b=1", "xml:a=b"])
def test_bad_success_rules_are_refused(rule: str) -> None:
    with pytest.raises(RuleError):
        parse_success_rule(rule)


def test_bad_gateway_settings_stop_start_up_with_the_variable_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"SINERGI_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x" * 20}
    with pytest.raises(ConfigError, match="SMS_GATEWAY_SUCCESS_RULE"):
        load_config({**env, "SMS_GATEWAY_SUCCESS_RULE": "maybe"})
    with pytest.raises(ConfigError, match="SMS_GATEWAY_EXTRA_PARAMS"):
        load_config({**env, "SMS_GATEWAY_EXTRA_PARAMS": "novalue"})
    with pytest.raises(ConfigError, match="SMS_GATEWAY_NUMBER_FORMAT"):
        load_config({**env, "SMS_GATEWAY_NUMBER_FORMAT": "local"})


def test_number_formats() -> None:
    assert format_number("+6281234567890", "e164") == "+6281234567890"
    assert format_number("+6281234567890", "international") == "6281234567890"
    assert format_number("+6281234567890", "national") == "081234567890"
