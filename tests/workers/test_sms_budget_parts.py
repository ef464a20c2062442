"""The SMS budget page shows parts per message and the share that fit one part."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from coordinator.extensions import db
from coordinator.models import Notification
from coordinator.notifications.budget import sms_per_city, sms_per_program
from tests.workers import workers_factories as make
from tests.workers.test_notification_pages import logged_in, user


def test_parts_per_sms_and_the_one_part_share(seeded: Flask) -> None:
    lead = user("lead", make.CITY)
    program = make.program(lead)
    cadre = make.person()
    now = datetime(2022, 3, 15, 3, 0, tzinfo=UTC)  # mid-month: the WIB month is March
    for n, parts in enumerate((1, 1, 2)):
        db.session.add(Notification(recipient_id=cadre.id, channel="sms", kind="assigned",
                                    program_id=program.id, dedupe_key=f"budget-{n}", body="x",
                                    status="sent", sms_parts=parts, sent_at=now))
    db.session.commit()
    [counted] = sms_per_program(now.date())
    assert (counted.messages, counted.parts, counted.one_part) == (3, 4, 2)
    assert round(counted.parts_per_message, 2) == 1.33
    assert sms_per_city(now.date())[0].one_part == 2
    page = logged_in(seeded, lead).get(f"/notifications/dead?month={now:%Y-%m}")
    assert "Bagian per SMS" in page.text and "Dalam satu bagian" in page.text
    assert "<td>1,3</td><td>66,7%</td>" in page.text
