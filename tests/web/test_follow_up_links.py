"""Follow-up and assign links: the staff an escalation or an unassigned action was sent to act
from their phone, without a password, each change decided by the policy and audited."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from coordinator.domain.people import create_person
from coordinator.extensions import db
from coordinator.messages.links import action_link
from coordinator.models import Action, AuditEntry, Event, Network, Notification, utcnow
from coordinator.policy import LinkPurpose
from tests.web.conftest import TAMBORA_KEL, World, csrf_token, make_action


def _path(link: str) -> str:
    """The link's path; its key row (made in this session's transaction) is committed, as a
    sent message's is, so a refused POST's rollback cannot take it away."""
    db.session.commit()
    return link[link.index("/t/"):]


def _follow_up(world: World, action: Action | None = None, person=None) -> str:  # type: ignore[no-untyped-def]
    action = action or world.action
    person = person or world.coordinator
    return _path(action_link(person.id, action.id, LinkPurpose.FOLLOW_UP))


def _post(client, path: str, suffix: str = "", **data: str):  # type: ignore[no-untyped-def]
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path + suffix, data={"csrf_token": csrf_token(page.text), **data})


def _pkk() -> Network:
    return db.session.scalar(select(Network).where(Network.slug == "pkk"))  # type: ignore[return-value]


def _second_cadre(world: World, networks: list[int] | None = None):  # type: ignore[no-untyped-def]
    return create_person(actor=None, name="Ibu Wati", role="cadre", region_code=TAMBORA_KEL,
                         email="wati@example.org", phone="081298765432",
                         network_ids=networks if networks is not None else [_pkk().id])


def test_follow_up_page_shows_status_assignee_lateness_and_messages(client, world: World) -> None:
    world.action.due_at = world.action.due_at - timedelta(days=8)
    db.session.commit()
    page = client.get(_follow_up(world))
    assert page.status_code == 200
    text = page.text
    assert "Ibu Sari" in text and "terlambat" in text.lower()
    assert "Ingatkan lagi" in text and "Batalkan tugas" in text
    assert "Tandai selesai atas nama kader" in text
    # The <title> stays generic: a shared phone's history shows no task title.
    title = text[text.index("<title>"):text.index("</title>")]
    assert world.action.title not in title and world.program.title not in title
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_remind_again_plans_one_reminder_a_day_through_the_usual_path(client, world: World) -> None:
    path = _follow_up(world)
    response = _post(client, path, "/ingatkan")
    assert response.status_code == 303 and response.headers["Location"] == path
    again = _post(client, path, "/ingatkan")
    assert again.status_code == 303
    reminders = db.session.scalars(select(Notification).where(
        Notification.kind == "reminder_now", Notification.action_id == world.action.id)).all()
    assert {n.recipient_id for n in reminders} == {world.cadre.id}
    assert len({n.channel for n in reminders}) == len(reminders)  # one per channel, not two
    page = client.get(path).text
    assert "sudah diingatkan hari ini" in page
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.operation == "remind")).all()
    assert len(audit) == 1 and audit[0].actor_id == world.coordinator.id
    assert audit[0].after["via"] == "link"


def test_reassign_lists_same_network_first_and_gives_the_task(client, world: World) -> None:
    other_network = db.session.scalar(select(Network).where(Network.slug != "pkk"))
    far = _second_cadre(world, networks=[other_network.id])  # type: ignore[union-attr]
    far.name = "Bu Ani"
    near = create_person(actor=None, name="Ibu Yati", role="cadre", region_code=TAMBORA_KEL,
                         email="yati@example.org", network_ids=[_pkk().id])
    db.session.commit()
    path = _follow_up(world)
    page = client.get(path).text
    assert page.index("Ibu Yati") < page.index("Bu Ani")  # same network (PKK) first
    response = _post(client, path, "/pilih", assignee_id=str(near.id))
    assert response.status_code == 303
    db.session.refresh(world.action)
    assert world.action.assignee_id == near.id
    assert db.session.scalar(select(Event).where(Event.type == "ActionReassigned")) is not None


def test_reassign_to_someone_outside_the_kelurahan_changes_nothing(client, world: World) -> None:
    _second_cadre(world)
    path = _follow_up(world)
    response = _post(client, path, "/pilih", assignee_id=str(world.other_cadre.id))
    assert response.status_code == 400 and "Pilih orang dari daftar" in response.text
    response = _post(client, path, "/pilih")
    assert response.status_code == 400
    db.session.refresh(world.action)
    assert world.action.assignee_id == world.cadre.id


def test_completion_on_behalf_needs_how_it_was_reported_and_is_audited(client, world: World) -> None:
    path = _follow_up(world)
    refused = _post(client, path, "", people_reached="15")
    assert refused.status_code == 400 and "Pilih cara laporan diterima" in refused.text
    db.session.refresh(world.action)
    assert world.action.status == "open"
    done = _post(client, path, "", people_reached="15", reported="phone", note="ditelepon")
    assert done.status_code == 303
    db.session.refresh(world.action)
    assert world.action.status == "done" and world.action.people_reached == 15
    assert world.action.completed_by_id == world.coordinator.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "complete"))
    assert entry.actor_id == world.coordinator.id  # type: ignore[union-attr]
    assert (entry.after["via"], entry.after["reported"]) == ("link", "phone")  # type: ignore[union-attr]


def test_cancel_needs_a_reason_and_can_be_restored_from_the_same_page(client, world: World) -> None:
    path = _follow_up(world)
    refused = _post(client, path, "/batalkan", reason="   ")
    assert refused.status_code == 400 and "Tulis alasan" in refused.text
    db.session.refresh(world.action)
    assert world.action.status == "open"
    response = _post(client, path, "/batalkan", reason="Kegiatan digabung dengan RW 03")
    assert response.status_code == 303
    db.session.refresh(world.action)
    assert world.action.status == "cancelled"
    assert world.action.cancel_reason == "Kegiatan digabung dengan RW 03"
    page = client.get(path)
    assert page.status_code == 200 and "Kegiatan digabung dengan RW 03" in page.text
    assert "Pulihkan" in page.text
    restored = _post(client, path, "/pulihkan")
    assert restored.status_code == 303
    db.session.refresh(world.action)
    assert (world.action.status, world.action.cancel_reason) == ("open", None)
    events = list(db.session.scalars(select(Event).order_by(Event.id)))
    assert [e.type for e in events[-2:]] == ["ActionCancelled", "ActionRestored"]
    from workers.handlers import handle_event

    told = handle_event(events[-1].id, utcnow())  # the assignee hears the task is back
    assert told and {n.recipient_id for n in db.session.scalars(
        select(Notification).where(Notification.id.in_(told)))} == {world.cadre.id}


def test_assign_link_lets_the_coordinator_pick_a_cadre_or_take_it(client, world: World) -> None:
    unassigned = make_action(world.program, TAMBORA_KEL, None, title="Pendataan RT")
    path = _path(action_link(world.coordinator.id, unassigned.id, LinkPurpose.ASSIGN))
    page = client.get(path)
    assert page.status_code == 200
    assert "Pilih kader" in page.text and "Saya kerjakan sendiri" in page.text
    assert "Ibu Sari" in page.text
    taken = _post(client, path, "/ambil")
    assert taken.status_code == 303
    db.session.refresh(unassigned)
    assert unassigned.assignee_id == world.coordinator.id
    after = client.get(path).text  # the page shows the new state: hers to mark done
    assert "Tandai selesai" in after and "(Anda)" in after


def test_a_lead_cannot_take_an_action_but_may_assign_it(client, world: World) -> None:
    unassigned = make_action(world.program, TAMBORA_KEL, None, title="Pendataan RT")
    path = _path(action_link(world.kec_lead.id, unassigned.id, LinkPurpose.ASSIGN))
    page = client.get(path)
    assert page.status_code == 200 and "Saya kerjakan sendiri" not in page.text
    refused = _post(client, path, "/ambil")
    assert refused.status_code == 303
    db.session.refresh(unassigned)
    assert unassigned.assignee_id is None
    assert "Hanya kader atau koordinator" in client.get(path).text
    _post(client, path, "/pilih", assignee_id=str(world.cadre.id))
    db.session.refresh(unassigned)
    assert unassigned.assignee_id == world.cadre.id


def test_follow_up_forms_do_not_answer_on_a_task_link(client, world: World) -> None:
    path = _path(action_link(world.cadre.id, world.action.id))
    response = _post(client, path, "/batalkan", reason="saya tidak mau")
    assert response.status_code == 404
    db.session.refresh(world.action)
    assert world.action.status == "open"


def test_a_follow_up_link_outside_the_recipients_area_does_not_open(client, world: World) -> None:
    path = _follow_up(world, world.other_action, world.coordinator)
    assert client.get(path).status_code == 404


def test_every_follow_up_form_without_its_csrf_token_changes_nothing(client, world: World) -> None:
    _second_cadre(world)
    path = _follow_up(world)
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    for suffix, data in (("", {"reported": "phone"}), ("/pilih", {"assignee_id": str(world.cadre.id)}),
                         ("/ambil", {}), ("/ingatkan", {}), ("/batalkan", {"reason": "x"}),
                         ("/pulihkan", {}), ("/batal", {})):
        response = client.post(path + suffix, data=data)
        assert response.status_code in (303, 400), suffix
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "reminder_now")) == 0
    db.session.refresh(world.action)
    assert (world.action.status, world.action.assignee_id) == ("open", world.cadre.id)
