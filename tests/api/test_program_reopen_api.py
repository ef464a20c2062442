"""The API closes and reopens a program like the web: reopening restores the actions the
closing cancelled, within 7 days; after that, or for an open program, a 409 in the envelope."""
from __future__ import annotations

from datetime import timedelta

from coordinator.extensions import db
from coordinator.models import Action, Program, utcnow
from tests.api.conftest import World


def test_reopen_restores_the_closed_actions_and_is_refused_after_seven_days(world: World) -> None:
    program_id = world.program_a.id
    assert world.call("kec_lead", "POST", f"/programs/{program_id}/close").status_code == 200
    assert world.call("kec_lead", "POST", f"/programs/{program_id}/reopen").json["status"] == "active"
    db.session.expire_all()
    assert db.session.get(Action, world.action_a.id).status == "open"  # type: ignore[union-attr]

    assert world.call("kec_lead", "POST", f"/programs/{program_id}/close").status_code == 200
    program = db.session.get(Program, program_id)
    assert program is not None
    program.closed_at = utcnow() - timedelta(days=8)
    db.session.commit()
    late = world.call("kec_lead", "POST", f"/programs/{program_id}/reopen")
    assert late.status_code == 409 and "7 days" in late.json["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Action, world.action_a.id).status == "cancelled"  # type: ignore[union-attr]
