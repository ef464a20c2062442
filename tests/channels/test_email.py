"""Email over a real SMTP server on loopback (aiosmtpd)."""
from __future__ import annotations

import email
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from flask import Flask

from coordinator.channels import PermanentDeliveryError, TransientDeliveryError, transmit
from coordinator.messages import compose
from coordinator.messages.links import read_action_token
from tests.channels.conftest import (
    app_with,
    make_action,
    make_notification,
    make_person,
    make_program,
)


class Mailbox:
    """Keeps what arrives; refuses recipients at refused.example.test (550) or busy.example.test (451)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address.endswith("@refused.example.test"):
            return "550 5.1.1 No such user"
        if address.endswith("@busy.example.test"):
            return "451 4.3.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    def text(value: str | bytes) -> str:
        return value.decode() if isinstance(value, bytes) else value

    ok = isinstance(data, LoginPassword) and (text(data.login), text(data.password)) == (
        "sinergi", "rahasia")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, auth_require_tls=False,
                            authenticator=_authenticate, auth_exclude_mechanism=["LOGIN"])
    controller.start()
    yield mailbox, port
    controller.stop()


def smtp_config(port: int, **extra: object) -> dict[str, object]:
    return {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": "none",
            "mail_from": "Sinergi <sinergi@jakbar.example.test>", **extra}


def test_assignment_email_arrives_with_text_html_link_and_language(
    world: Flask, make_app: Callable[..., Flask], smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    with app_with(make_app, **smtp_config(port)):
        cadre = make_person(name="Siti Aminah", email="siti@example.test")
        action = make_action(make_program(make_person("lead")), cadre, code="A7K2")
        message = compose("assigned", cadre, action=action)
        notification = make_notification(cadre, channel="email", subject=message.subject,
                                          body=message.text, html=message.html)
        result = transmit(notification)
        received = mailbox.messages[0]
        text = received.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = received.get_body(("html",)).get_content()  # type: ignore[union-attr]
        link = next(word for word in text.split() if "/t/" in word)
        assert read_action_token(link.rsplit("/", 1)[1])[:2] == (cadre.id, action.id)
        assert received["X-Sinergi-Notification"] == str(notification.id)
    assert received["Subject"] == "Tugas baru: Penyuluhan warga RW 03"
    assert received["To"] == "Siti Aminah <siti@example.test>"
    assert received["From"] == "Sinergi <sinergi@jakbar.example.test>"
    assert received["Content-Language"] == "id"
    assert received["Message-ID"].strip() == result.provider_id
    assert "Halo Siti Aminah" in text and "SELESAI A7K2" in text
    assert '<html lang="id">' in html and "Buka tugas" in html
    assert f'href="{link}"' in html


def test_english_speaker_gets_english_email(
    world: Flask, make_app: Callable[..., Flask], smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    with app_with(make_app, **smtp_config(port)):
        lead = make_person("lead", language="en")
        message = compose("weekly_digest", lead, programs=[], overdue_by_kecamatan=[], case_stats=[])
        transmit(make_notification(lead, channel="email", subject=message.subject, body=message.text,
                                  html=message.html))
    received = mailbox.messages[0]
    assert received["Subject"] == "Sinergi weekly summary" and received["Content-Language"] == "en"
    assert "No data yet." in received.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_smtp_login_is_used_when_configured(
    world: Flask, make_app: Callable[..., Flask], smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    with app_with(make_app, **smtp_config(port, smtp_user="sinergi", smtp_password="rahasia")):
        transmit(make_notification(make_person(), channel="email", subject="s", body="b"))
    assert len(mailbox.messages) == 1
    with app_with(make_app, **smtp_config(port, smtp_user="sinergi", smtp_password="salah")):
        notification = make_notification(make_person(), channel="email", subject="s", body="b")
        with pytest.raises(PermanentDeliveryError, match="535"):
            transmit(notification)


@pytest.mark.parametrize(("domain", "error", "code"), [
    ("refused.example.test", PermanentDeliveryError, "550"),
    ("busy.example.test", TransientDeliveryError, "451"),
])
def test_refused_recipient_is_permanent_and_busy_mailbox_transient(
    world: Flask, make_app: Callable[..., Flask], smtp_server: tuple[Mailbox, int],
    domain: str, error: type[Exception], code: str,
) -> None:
    mailbox, port = smtp_server
    with app_with(make_app, **smtp_config(port)):
        notification = make_notification(make_person(email=f"x@{domain}"), channel="email",
                                         subject="s", body="b")
        with pytest.raises(error, match=code):
            transmit(notification)
    assert mailbox.messages == []


def test_closed_smtp_port_is_transient(world: Flask, make_app: Callable[..., Flask]) -> None:
    with app_with(make_app, **smtp_config(free_port())):
        notification = make_notification(make_person(), channel="email", subject="s", body="b")
        with pytest.raises(TransientDeliveryError, match="SMTP connection failed"):
            transmit(notification)


def test_person_without_email_is_permanent(
    world: Flask, make_app: Callable[..., Flask], smtp_server: tuple[Mailbox, int]
) -> None:
    with app_with(make_app, **smtp_config(smtp_server[1])):
        notification = make_notification(make_person(email=None), channel="email", subject="s", body="b")
        with pytest.raises(PermanentDeliveryError, match="no email"):
            transmit(notification)


def test_without_smtp_email_goes_to_the_outbox(world: Flask) -> None:
    notification = make_notification(make_person(), channel="email", subject="s", body="b")
    assert transmit(notification).provider_id == f"outbox-{notification.id}"


@pytest.fixture
def starttls_server(tmp_path: Any) -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server offering STARTTLS with a self-signed certificate (made with openssl)."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True)
    controller.start()
    yield mailbox, port
    controller.stop()


def test_starttls_refuses_an_untrusted_certificate(
    world: Flask, make_app: Callable[..., Flask], starttls_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = starttls_server
    with app_with(make_app, **smtp_config(port, smtp_tls="starttls")):
        notification = make_notification(make_person(), channel="email", subject="s", body="b")
        with pytest.raises(TransientDeliveryError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            transmit(notification)
    assert mailbox.messages == []


def test_plain_smtp_to_a_server_requiring_starttls_is_refused_without_sending(
    world: Flask, make_app: Callable[..., Flask], starttls_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = starttls_server
    with app_with(make_app, **smtp_config(port, smtp_tls="none")):
        notification = make_notification(make_person(), channel="email", subject="s", body="b")
        with pytest.raises(PermanentDeliveryError, match="530"):
            transmit(notification)
    assert mailbox.messages == []
