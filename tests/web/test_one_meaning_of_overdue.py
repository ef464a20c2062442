"""One scope, one overdue count: the action list and its filter, the export, the program page,
the API list, the weekly digest and daily summary, the rollup API and the dashboard all agree,
after the sweep's declaration, and follow a due date moved either way."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from coordinator.domain.actions import cancel_action, complete_action, reschedule_action
from coordinator.domain.overdue import declare_overdue
from coordinator.extensions import db
from coordinator.models import Action, Event
from coordinator.notifications.summaries import _overdue_by_coordinator, _weekly_context
from coordinator.rollups import apply_event
from coordinator.rollups.queries import progress
from tests.web.conftest import TAMBORA_KEL, TAMBORA_KEL_2, World, _person, login, make_action


def _sweep() -> None:
    """What beat does every few minutes, and the rollup worker after it."""
    declare_overdue(datetime.now(UTC))
    db.session.commit()
    for event_id in db.session.scalars(select(Event.id).order_by(Event.id)):
        apply_event(event_id)


def _api_count(client: FlaskClient, program_id: int) -> int:
    found, cursor = 0, None
    while True:
        query = f"/api/v1/actions?overdue=true&program_id={program_id}&limit=200"
        page = client.get(query + (f"&cursor={cursor}" if cursor else "")).get_json()
        found += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return found


def _list_count(client: FlaskClient, program_id: int) -> int:
    page = client.get(f"/aksi/?status=overdue&program={program_id}").text
    found = re.search(r"(\d+) aksi", page)
    assert found, page
    return int(found.group(1))


def _export_count(client: FlaskClient, program_id: int) -> int:
    text = client.get(f"/aksi/ekspor.csv?program={program_id}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("Terlambat")
    return sum(1 for row in rows[1:] if row[column] == "ya")


def _program_page_count(client: FlaskClient, program_id: int) -> int:
    page = client.get(f"/program/{program_id}").text
    found = re.search(r"<strong>(\d+)</strong>terlambat", page)
    assert found, page
    return int(found.group(1))


def _counts(client: FlaskClient, world: World) -> dict[str, Any]:
    now = datetime.now(UTC)
    program = world.program.id
    digest = _weekly_context(world.lead, now, "W")
    rollup = client.get(f"/api/v1/rollups/programs/{program}?region=31.73").get_json()
    return {
        "action list": _list_count(client, program),
        "export": _export_count(client, program),
        "program page": _program_page_count(client, program),
        "API list": _api_count(client, program),
        "weekly digest by kecamatan": sum(k["count"] for k in digest["overdue_by_kecamatan"]),
        "weekly digest by program": sum(p["overdue"] for p in digest["programs"]),
        "daily summaries": sum(len(items) for _c, _k, items in _overdue_by_coordinator(now)),
        "rollup API": rollup["progress"]["overdue"],
        "dashboard": progress("31.73", [program]).overdue,
    }


def test_every_reader_counts_the_same_overdue_actions(client: FlaskClient, world: World) -> None:
    # A coordinator in each kelurahan, so the daily summaries cover the whole scope too.
    _person("coordinator", TAMBORA_KEL_2, "Kasi Kesra 2", "kasi2@example.org")
    late = [make_action(world.program, kelurahan, None, due_in=-timedelta(days=days))
            for kelurahan, days in ((TAMBORA_KEL, 2), (TAMBORA_KEL, 9), (TAMBORA_KEL_2, 4))]
    make_action(world.program, TAMBORA_KEL, world.cadre, due_in=timedelta(days=5))
    done_late = make_action(world.program, TAMBORA_KEL, world.cadre, due_in=-timedelta(days=3))
    complete_action(done_late.id, actor=world.lead)
    cancelled_late = make_action(world.program, TAMBORA_KEL_2, None, due_in=-timedelta(days=3))
    cancel_action(cancelled_late.id, actor=world.lead)
    login(client, "lead@example.org")
    _sweep()
    counts = _counts(client, world)
    assert set(counts.values()) == {3}, counts

    # A due date moved into the future stops counting everywhere...
    reschedule_action(late[0].id, actor=world.lead, due_at=datetime.now(UTC) + timedelta(days=2))
    _sweep()
    counts = _counts(client, world)
    assert set(counts.values()) == {2}, counts

    # ...and one moved into the past counts everywhere once the sweep has declared it.
    upcoming = db.session.scalar(select(Action).where(Action.assignee_id == world.cadre.id,
                                                      Action.status == "open",
                                                      Action.due_at > datetime.now(UTC)))
    assert upcoming is not None
    reschedule_action(upcoming.id, actor=world.lead, due_at=datetime.now(UTC) - timedelta(hours=1))
    _sweep()
    counts = _counts(client, world)
    assert set(counts.values()) == {3}, counts
