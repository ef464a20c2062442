"""The policy: every "may this person do this, now?" answered in one place.

- :mod:`roles`: the four roles and what each is.
- :mod:`scope`: which regions, actions, programs and people a person sees (Python and SQL).
- :mod:`actions`: who may complete, reopen, cancel, reassign, reschedule an action, and open
  a link sent about it (pure functions of the person, the action and the clock).
- :mod:`permissions`: every permission by name: ``decide`` (with a reason), ``can``, ``require``.
- :mod:`programs`: when a closed program may be reopened (pure, over the program and the clock).
- :mod:`audiences`: who is told of what, who may be given an action (SQL).
- :mod:`limits`: lengths, counts and windows every entry point enforces alike.

Entry points (web, API, SMS replies, workers) only map a refusal's reason to their answer.
"""
from coordinator.policy.actions import LinkPurpose, Via
from coordinator.policy.decisions import ALLOW, Decision, Reason, refuse, refused
from coordinator.policy.permissions import PERMISSIONS, can, decide, require
from coordinator.policy.scope import (
    get_action_or_404,
    get_person_or_404,
    get_program_or_404,
    in_scope,
    in_subtree,
    region_filter,
    scope_code,
    scoped_actions,
    scoped_people,
    scoped_programs,
)

__all__ = [
    "ALLOW", "PERMISSIONS", "Decision", "LinkPurpose", "Reason", "Via", "can", "decide",
    "get_action_or_404", "get_person_or_404", "get_program_or_404", "in_scope", "in_subtree",
    "refuse", "refused", "region_filter", "require", "scope_code", "scoped_actions",
    "scoped_people", "scoped_programs",
]
