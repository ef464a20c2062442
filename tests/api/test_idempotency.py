"""``Idempotency-Key`` on completing an action: a retry gets the first answer, never a second
change, and a request that committed is never answered 500."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from coordinator.extensions import db
from coordinator.models import Action, Event, IdempotentRequest
from tests.api.conftest import World

KEY = "4f1c2b8e-complete-once"


def complete(world: World, key: str | None = KEY, **body: Any) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return world.call("cadre", "POST", f"/actions/{world.action_a.id}/complete",
                      json={"people_reached": 12, **body}, headers=headers)


def completions() -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(
        Event.type == "ActionCompleted"))


def test_a_retry_with_the_same_key_returns_the_first_answer_and_changes_nothing(
    world: World,
) -> None:
    first = complete(world)
    again = complete(world)
    assert first.status_code == again.status_code == 200
    assert first.get_json()["changed"] is True and first.get_json()["message"] == "Completed."
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert completions() == 1
    without_key = complete(world, key=None)
    assert without_key.get_json()["changed"] is False


def test_a_key_reused_for_a_different_request_is_refused(world: World) -> None:
    assert complete(world).status_code == 200
    reused = complete(world, people_reached=99)
    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert db.session.get(Action, world.action_a.id).people_reached == 12


def test_a_malformed_key_is_a_400_in_the_error_envelope(world: World) -> None:
    response = complete(world, key="short")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_idempotency_key"


def test_a_first_request_on_a_done_action_stores_its_answer_too(world: World) -> None:
    assert complete(world, key=None).status_code == 200
    first = complete(world, key="second-client-key")
    assert first.get_json()["changed"] is False
    assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 1
    assert complete(world, key="second-client-key").headers["Idempotent-Replayed"] == "true"


@pytest.fixture
def failing_after_commit(world: World) -> Iterator[list[int]]:
    """A hook that fails right after the commit of the completion (as a lost connection would)."""
    failures: list[int] = []
    flushed_event: list[bool] = []

    def note(session: Any, context: Any) -> None:
        flushed_event.append(any(isinstance(obj, Event) for obj in session.new))

    def fail(session: Any) -> None:
        if any(flushed_event) and not failures:
            failures.append(1)
            raise RuntimeError("connection lost after COMMIT")
        flushed_event.clear()

    session = db.session()
    event.listen(session, "after_flush", note)
    event.listen(session, "after_commit", fail)
    yield failures
    event.remove(session, "after_flush", note)
    event.remove(session, "after_commit", fail)


def test_a_request_that_committed_is_answered_with_its_result_not_500(
    world: World, failing_after_commit: list[int],
) -> None:
    response = complete(world)
    assert failing_after_commit == [1]
    assert response.status_code == 200 and response.get_json()["changed"] is True
    db.session.rollback()
    assert db.session.get(Action, world.action_a.id).status == "done"
    retried = complete(world)
    assert retried.get_json() == response.get_json()
    assert completions() == 1


def test_the_header_is_documented_in_the_openapi(world: World) -> None:
    spec = world.client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/actions/{action_id}/complete"]["post"]
    names = [p["name"] for p in operation.get("parameters", [])]
    assert "Idempotency-Key" in names
