"""Short links' rows: one live key per person, action and purpose; expiry, revocation, purge."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from coordinator.domain import short_links
from coordinator.extensions import db
from coordinator.messages import compose
from coordinator.messages.links import (
    LinkExpired,
    LinkInvalid,
    LinkRevoked,
    action_key,
    read_action_token,
)
from coordinator.models import ShortLink
from coordinator.policy import LinkPurpose
from tests.web.conftest import World

NOW = datetime(2022, 3, 1, 3, 0, tzinfo=UTC)
DAYS = timedelta(days=14)  # SIGNED_LINK_MAX_AGE_DAYS' default


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ShortLink)) or 0


def test_a_key_stands_for_its_person_action_and_purpose(world: World) -> None:
    key = action_key(world.coordinator.id, world.action.id, LinkPurpose.FOLLOW_UP, now=NOW)
    db.session.commit()
    assert short_links.looks_like_key(key)
    claim = read_action_token(key, now=NOW + timedelta(hours=1))
    assert claim == (world.coordinator.id, world.action.id, LinkPurpose.FOLLOW_UP, NOW + DAYS)


def test_messages_composed_again_reuse_the_live_key_and_extend_it(world: World) -> None:
    first = action_key(world.cadre.id, world.action.id, now=NOW)
    again = action_key(world.cadre.id, world.action.id, now=NOW + timedelta(days=10))
    db.session.commit()
    assert again == first and _rows() == 1
    # Valid 14 days after the last message that carried it, not after the first.
    assert read_action_token(first, now=NOW + timedelta(days=23))
    with pytest.raises(LinkExpired):
        read_action_token(first, now=NOW + timedelta(days=24, minutes=1))


def test_another_purpose_or_person_gets_its_own_key(world: World) -> None:
    do = action_key(world.cadre.id, world.action.id, now=NOW)
    follow = action_key(world.coordinator.id, world.action.id, LinkPurpose.FOLLOW_UP, now=NOW)
    assign = action_key(world.coordinator.id, world.action.id, LinkPurpose.ASSIGN, now=NOW)
    db.session.commit()
    assert len({do, follow, assign}) == 3 and _rows() == 3


def test_a_composed_message_twice_leaves_one_row(world: World) -> None:
    for _ in range(3):
        compose("assigned", world.cadre, action=world.action)
    db.session.commit()
    assert _rows() == 1


def test_an_expired_key_is_expired_and_a_later_message_gets_a_new_one(world: World) -> None:
    old = action_key(world.cadre.id, world.action.id, now=NOW)
    db.session.commit()
    with pytest.raises(LinkExpired) as raised:
        read_action_token(old, now=NOW + DAYS)
    assert not isinstance(raised.value, LinkRevoked)
    new = action_key(world.cadre.id, world.action.id, now=NOW + DAYS + timedelta(hours=1))
    db.session.commit()
    assert new != old and read_action_token(new, now=NOW + DAYS + timedelta(hours=2))


def test_a_revoked_key_is_gone_and_the_next_message_carries_a_new_one(world: World) -> None:
    old = action_key(world.cadre.id, world.action.id, now=NOW)
    other = action_key(world.coordinator.id, world.action.id, LinkPurpose.FOLLOW_UP, now=NOW)
    assert short_links.revoke(world.action.id, person_id=world.cadre.id,
                              purpose=LinkPurpose.DO, now=NOW + timedelta(hours=1)) == 1
    db.session.commit()
    with pytest.raises(LinkRevoked):
        read_action_token(old, now=NOW + timedelta(hours=2))
    assert read_action_token(other, now=NOW + timedelta(hours=2))  # only the cadre's went
    new = action_key(world.cadre.id, world.action.id, now=NOW + timedelta(hours=3))
    db.session.commit()
    assert new != old and read_action_token(new, now=NOW + timedelta(hours=4))


def test_revoking_everything_of_a_person_spares_the_others(world: World) -> None:
    mine = action_key(world.cadre.id, world.action.id, now=NOW)
    theirs = action_key(world.other_cadre.id, world.other_action.id, now=NOW)
    assert short_links.revoke_all_of(world.cadre.id, now=NOW) == 1
    db.session.commit()
    with pytest.raises(LinkRevoked):
        read_action_token(mine, now=NOW)
    assert read_action_token(theirs, now=NOW)


@pytest.mark.parametrize("token", [
    "AAAAAAAAAA",            # the shape of a key, but no such key
    "AAAAAAAAA", "AAAAAAAAAAA",  # one too short, one too long
    "0OIl1AAAAA",            # characters keys never use
    "abc def gh", "", "../../etc",
])
def test_unknown_or_malformed_keys_are_invalid(world: World, token: str) -> None:
    action_key(world.cadre.id, world.action.id, now=NOW)
    db.session.commit()
    with pytest.raises(LinkInvalid):
        read_action_token(token, now=NOW)


def test_purge_deletes_only_keys_long_expired(world: World) -> None:
    action_key(world.cadre.id, world.action.id, now=NOW)
    recent = action_key(world.other_cadre.id, world.other_action.id, now=NOW + timedelta(days=40))
    db.session.commit()
    # The first expired on day 14; kept 30 more days so its reader hears "expired".
    assert short_links.purge_expired(NOW + timedelta(days=44), batch=1) == 0
    assert short_links.purge_expired(NOW + timedelta(days=44, minutes=1), batch=1) == 1
    assert _rows() == 1
    assert read_action_token(recent, now=NOW + timedelta(days=45))




def test_the_nightly_task_purges_through_the_same_rule(world: World) -> None:
    from workers.maintenance import purge_expired_links

    action_key(world.cadre.id, world.action.id, now=NOW - timedelta(days=100))
    live = action_key(world.other_cadre.id, world.other_action.id)
    db.session.commit()
    assert purge_expired_links() == 1
    assert read_action_token(live)


def test_signing_a_person_out_everywhere_revokes_their_links_a_new_password_does_not(
        world: World) -> None:
    from coordinator.domain.people import set_password
    from coordinator.domain.sessions import end_all_sessions

    key = action_key(world.cadre.id, world.action.id)
    db.session.commit()
    set_password(world.cadre, "kata-sandi-baru-123")
    assert read_action_token(key)
    end_all_sessions(world.cadre, actor=world.admin, reason="sign_out_everywhere")
    with pytest.raises(LinkRevoked):
        read_action_token(key)


def test_a_new_key_that_collides_with_a_stored_one_is_drawn_again(world: World) -> None:
    taken = action_key(world.coordinator.id, world.action.id, LinkPurpose.FOLLOW_UP, now=NOW)
    draws = iter([taken, "Bb2Bb2Bb2B"])
    row = {"person_id": world.cadre.id, "action_id": world.action.id, "purpose": "do",
           "created_at": NOW, "expires_at": NOW + DAYS}
    assert short_links._insert_new(row, draw=lambda: next(draws)) == "Bb2Bb2Bb2B"
    db.session.commit()
    assert _rows() == 2
    assert read_action_token(taken, now=NOW)[:3] == (world.coordinator.id, world.action.id,
                                                     LinkPurpose.FOLLOW_UP)
    assert read_action_token("Bb2Bb2Bb2B", now=NOW)[:3] == (world.cadre.id, world.action.id,
                                                            LinkPurpose.DO)
