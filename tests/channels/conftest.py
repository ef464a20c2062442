"""Channel-test fixtures: a tiny region tree, people, one program and its actions.

Only four regions are inserted (not all of DKI Jakarta): these tests are about messages.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from coordinator.extensions import db
from coordinator.models import Action, Notification, Person, Program, Region
from tests.support import clean_tables

KELURAHAN = "31.73.04.1001"
_serial = itertools.count(1)


# Every channel test app knows the webhook secrets; tests of other settings build their own.
TWILIO_TOKEN = "twilio-webhook-token"
GATEWAY_SECRET = "gateway-shared-secret"
BASE_URL = "https://sinergi.example.test"
CHANNEL_SETTINGS: dict[str, object] = {
    "twilio_auth_token": TWILIO_TOKEN, "sms_gateway_secret": GATEWAY_SECRET, "base_url": BASE_URL,
    "sms_inbound_rate_limit": 5,
}


@pytest.fixture
def world(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """One app (context pushed) with a province > city > kecamatan > kelurahan chain."""
    app = make_app(**CHANNEL_SETTINGS)
    with app.app_context():
        clean_tables()
        rows = [
            ("31", "DKI Jakarta", "province", None),
            ("31.73", "Kota Administrasi Jakarta Barat", "city", "31"),
            ("31.73.04", "Tambora", "kecamatan", "31.73"),
            (KELURAHAN, "Tanah Sereal", "kelurahan", "31.73.04"),
        ]
        for code, name, level, parent in rows:
            db.session.add(Region(code=code, name=name, level=level, parent_code=parent))
        db.session.commit()
        yield app
        clean_tables()


def make_person(role: str = "cadre", **fields: object) -> Person:
    n = next(_serial)
    values: dict[str, object] = {
        "name": f"Kader {n}", "role": role, "region_code": KELURAHAN,
        "email": f"kader{n}@example.test", "phone": f"+62812{n:08d}", "language": "id",
    }
    values.update(fields)
    person = Person(**values)
    db.session.add(person)
    db.session.commit()
    return person


def make_program(owner: Person, title: str = "Sosialisasi pencegahan",
                 public_title: str = "Kegiatan sosialisasi") -> Program:
    program = Program(title=title, public_title=public_title, category="prevention", year=2022, region_code="31.73",
                      owner_id=owner.id, status="active")
    db.session.add(program)
    db.session.commit()
    return program


def make_action(program: Program, assignee: Person | None, *, title: str = "Penyuluhan warga RW 03",
                public_title: str | None = None, code: str | None = None, status: str = "open",
                due_at: datetime | None = None) -> Action:
    """An action whose public title is ``public_title``, by default the same as ``title``."""
    action = Action(
        program_id=program.id, title=title, public_title=public_title or title, assignee_id=assignee.id if assignee else None,
        kelurahan_code=KELURAHAN, due_at=due_at or datetime(2022, 3, 15, 10, 0, tzinfo=UTC),
        status=status, public_code=code or f"C{next(_serial):03d}".replace("0", "A"),
        completed_at=datetime.now(UTC) if status == "done" else None,
    )
    db.session.add(action)
    db.session.commit()
    return action


def later(hours: int) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def make_notification(person: Person, *, channel: str = "sms", body: str = "Sinergi: tugas baru A7K2",
                      subject: str | None = None, html: str | None = None,
                      kind: str = "assigned") -> Notification:
    n = next(_serial)
    notification = Notification(
        recipient_id=person.id, channel=channel, kind=kind, dedupe_key=f"test:{n}",
        subject=subject, body=body, html_body=html,
    )
    db.session.add(notification)
    db.session.commit()
    return notification


@contextmanager
def app_with(make_app: Callable[..., Flask], **overrides: object) -> Iterator[Flask]:
    """Another app on the same database, configured with ``overrides``, its context pushed."""
    app = make_app(**overrides)
    with app.app_context():
        yield app
        db.session.rollback()
