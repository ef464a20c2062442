"""What one API request costs the database: statements counted with SQLAlchemy's
``before_cursor_execute`` (a count, never a timing)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from coordinator.extensions import db
from tests.api.conftest import World


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_token_request_reads_its_person_in_one_narrow_select(world: World) -> None:
    assert world.call("city_lead", "GET", "/networks").status_code == 200  # last_used_at, once
    with statements() as seen:
        assert world.call("city_lead", "GET", "/networks").status_code == 200
    auth = [s for s in seen if "api_tokens" in s]
    assert len(seen) == 2 and len(auth) == 1, seen
    # Neither the person's region nor their secrets: only what a request needs.
    assert "regions" not in auth[0] and "password_hash" not in auth[0], auth[0]
    assert auth[0].startswith("SELECT")


def test_a_token_request_still_sees_the_rest_of_its_person_when_asked(world: World) -> None:
    me = world.people["cadre"]
    response = world.call("cadre", "GET", f"/people/{me.id}")
    assert response.status_code == 200
    assert response.json["name"] == me.name and response.json["network_ids"]


def test_completing_via_the_api_reads_the_action_once(world: World) -> None:
    assert world.call("cadre", "GET", "/networks").status_code == 200  # last_used_at, once
    action_id = world.action_a.id
    with statements() as seen:
        response = world.call("cadre", "POST", f"/actions/{action_id}/complete",
                              json={"note": "selesai", "people_reached": 12})
    assert response.status_code == 200 and response.json["changed"] is True
    assert response.json["action"]["status"] == "done"
    reads_of_the_action = [s for s in seen if s.startswith("SELECT") and "FROM actions" in s]
    assert len(reads_of_the_action) == 1, seen
    # The token, the action, its change, the audit entry and the event: nothing read again.
    assert len(seen) <= 5, seen
