"""Links in messages: short keys (and the old signed tokens still read): valid, expired,
revoked, tampered, another action, reused after completion."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.messages.links import (
    LinkExpired,
    LinkInvalid,
    LinkRevoked,
    action_link,
    read_action_token,
    signed_token,
)
from coordinator.models import Event
from tests.web.conftest import World, csrf_token


def _path(link: str) -> str:
    return link[link.index("/t/"):]


def _link(person_id: int, action_id: int) -> str:
    """A link as a worker makes it: the key's row committed with the message."""
    link = action_link(person_id, action_id)
    db.session.commit()
    return link


def test_link_is_absolute_short_and_round_trips(world: World) -> None:
    link = _link(world.cadre.id, world.action.id)
    assert link.startswith("http://127.0.0.1:5000/t/")
    assert len(link) == len("http://127.0.0.1:5000/t/") + 10
    assert read_action_token(link.rsplit("/", 1)[1])[:2] == (world.cadre.id, world.action.id)


def test_old_signed_token_still_works_until_it_expires(world: World) -> None:
    token = signed_token(world.cadre.id, world.action.id)
    later = datetime.now(UTC) + timedelta(days=14, minutes=1)
    with pytest.raises(LinkExpired):
        read_action_token(token, now=later)
    assert read_action_token(token, now=later - timedelta(minutes=2))


@pytest.mark.parametrize("mangle", [
    # A character inside the signature (the last one carries unused bits).
    lambda t: t[:-3] + ("A" if t[-3] != "A" else "B") + t[-2:],
    lambda t: "WzEsMV0" + t[t.index("."):],  # another payload under the same signature
    lambda t: t.split(".")[0],
    lambda t: "",
])
def test_tampered_tokens_are_invalid(world: World, mangle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LinkInvalid):
        read_action_token(mangle(signed_token(world.cadre.id, world.action.id)))


def test_token_signed_with_another_key_is_invalid(world: World, make_app) -> None:  # type: ignore[no-untyped-def]
    token = signed_token(world.cadre.id, world.action.id)
    other = make_app(secret_key="another-secret-key-0123456789")
    with other.app_context(), pytest.raises(LinkInvalid):
        read_action_token(token)


def test_cadre_completes_from_the_link_without_logging_in(client, world: World) -> None:
    path = _path(_link(world.cadre.id, world.action.id))
    page = client.get(path)
    assert page.status_code == 200
    assert world.action.public_title in page.text and "Tandai selesai" in page.text
    assert world.action.title not in page.text and "TPPO" not in page.text
    response = client.post(path, data={"csrf_token": csrf_token(page.text),
                                       "people_reached": "12", "note": "Di balai warga"})
    assert response.status_code == 303 and response.headers["Location"] == path
    assert "Terima kasih" in client.get(path).text
    db.session.refresh(world.action)
    assert world.action.status == "done" and world.action.people_reached == 12
    assert world.action.completed_by_id == world.cadre.id
    # The link logged nobody in: staff and cadre pages still ask for a login.
    assert client.get("/tugas/").status_code == 302


def test_reusing_the_link_after_completion_changes_nothing(client, world: World) -> None:
    path = _path(_link(world.cadre.id, world.action.id))
    page = client.get(path)
    token = csrf_token(page.text)
    client.post(path, data={"csrf_token": token, "people_reached": "3"})
    events = db.session.scalar(select(func.count()).select_from(Event)
                               .where(Event.type == "ActionCompleted"))
    again = client.get(path)
    assert again.status_code == 200 and "Selesai" in again.text and "Urungkan" in again.text
    second = client.post(path, data={"csrf_token": token, "people_reached": "9"},
                         follow_redirects=True)
    assert second.status_code == 200 and "sudah ditandai selesai" in second.text
    db.session.refresh(world.action)
    assert world.action.people_reached == 3
    assert db.session.scalar(select(func.count()).select_from(Event)
                             .where(Event.type == "ActionCompleted")) == events


def test_cadre_can_undo_from_the_link(client, world: World) -> None:
    path = _path(_link(world.cadre.id, world.action.id))
    token = csrf_token(client.get(path).text)
    client.post(path, data={"csrf_token": token})
    response = client.post(path + "/batal", data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200 and "dibuka lagi" in response.text
    db.session.refresh(world.action)
    assert world.action.status == "open"


def test_link_for_another_persons_action_is_refused(client, world: World) -> None:
    # A genuine signature, but the action belongs to someone else.
    path = _path(_link(world.cadre.id, world.other_action.id))
    page = client.get(path)
    assert page.status_code == 404
    assert "bukan tugas Anda lagi" in page.text
    response = client.post(path, data={"csrf_token": "x"})
    assert response.status_code in (400, 404)
    db.session.refresh(world.other_action)
    assert world.other_action.status == "open"


def test_tampered_link_gets_a_friendly_indonesian_page(client, world: World) -> None:
    path = _path(_link(world.cadre.id, world.action.id))
    page = client.get(path[:-2] + "xx")
    assert page.status_code == 404
    assert "Tautan ini tidak berlaku" in page.text
    assert "koordinator" in page.text


def test_expired_link_page_explains_how_to_get_a_new_one(client, world: World, make_app) -> None:  # type: ignore[no-untyped-def]
    import time_machine

    path = _path(_link(world.cadre.id, world.action.id))
    with time_machine.travel(datetime.now(UTC) + timedelta(days=15), tick=False):
        page = client.get(path)
    assert page.status_code == 410
    assert "kedaluwarsa" in page.text and "tautan baru" in page.text


def test_link_post_without_csrf_token_changes_nothing(client, world: World) -> None:
    path = _path(_link(world.cadre.id, world.action.id))
    response = client.post(path, data={"people_reached": "4"})
    assert response.status_code == 400
    db.session.refresh(world.action)
    assert world.action.status == "open"


def test_negative_people_reached_is_refused(client, world: World) -> None:
    path = _path(_link(world.cadre.id, world.action.id))
    page = client.get(path)
    response = client.post(path, data={"csrf_token": csrf_token(page.text), "people_reached": "-3"})
    assert response.status_code == 400
    db.session.refresh(world.action)
    assert world.action.status == "open"


def test_link_of_a_cancelled_action_says_so(client, world: World) -> None:
    from coordinator.domain.actions import cancel_action

    cancel_action(world.action.id, actor=None)
    page = client.get(_path(_link(world.cadre.id, world.action.id)))
    assert page.status_code == 410 and "dibatalkan" in page.text


def test_a_revoked_link_is_gone_like_an_expired_one(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from coordinator.domain.short_links import revoke

    path = _path(_link(world.cadre.id, world.action.id))
    revoke(world.action.id, person_id=world.cadre.id, now=datetime.now(UTC))
    db.session.commit()
    with pytest.raises(LinkRevoked):
        read_action_token(path.rsplit("/", 1)[1])
    page = client.get(path)
    assert page.status_code == 410 and "tautan baru" in page.text
    assert client.post(path, data={"csrf_token": "x"}).status_code in (400, 410)
    db.session.refresh(world.action)
    assert world.action.status == "open"


def test_opening_a_link_reads_its_person_in_one_narrow_select(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    path, name = _path(_link(world.cadre.id, world.action.id)), world.cadre.name
    db.session.expunge_all()  # the request must load its person, not find the test's
    seen: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.status_code == 200 and name in page.text
    people = [s for s in seen if "FROM people" in s]
    assert len(people) == 1 and "regions" not in people[0], seen
    assert "password_hash" not in people[0]
    assert not [s for s in seen if "person_networks" in s], seen  # no networks loaded
    assert len(seen) <= 3, seen  # the link, its person, its action with its kelurahan


def test_the_link_page_has_one_h1_labelled_controls_and_unique_ids(client, world: World) -> None:
    from tests.web.test_page_accessibility import _problems, audit

    page = client.get(_path(_link(world.cadre.id, world.action.id)))
    assert page.status_code == 200
    assert _problems({"links.open_link": audit(page.text)}) == []
