"""Two-way SMS: a reply from a cadre's phone completes their action through the domain.

``receive_sms`` matches the sender (after normalising 08.../62.../+62...), reads the reply with
:mod:`coordinator.channels.inbound`, completes the action with
``coordinator.domain.actions.complete_action`` (the same function as the web; the policy says
only the assignee's phone may, ``Via.SMS``) and returns the answer to send back, in the
person's language. Whatever goes wrong changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coordinator import policy
from coordinator.channels.inbound import ParsedReply, parse_reply
from coordinator.channels.ratelimit import allow_inbound
from coordinator.domain.actions import complete_action
from coordinator.domain.people import normalise_phone
from coordinator.errors import DomainError, InvalidInput
from coordinator.extensions import db
from coordinator.messages.composing import compose
from coordinator.models import Action, InboundSms, Person, utcnow
from coordinator.policy import Reason, Via

RATE_LIMITED = "rate_limited"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class ReplyOutcome:
    outcome: str  # "done", "unknown_code", ... (the sms_reply_<outcome> kind), or rate_limited/duplicate
    reply: str | None  # the SMS to answer with; None when nothing should be sent
    action_id: int | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class _Decision:
    outcome: str
    person: Person | None
    action: Action | None = None
    people_reached: int | None = None
    open_codes: tuple[str, ...] = ()


def receive_sms(provider: str, sender: str, text: str, *, message_id: str | None = None,
                now: datetime | None = None) -> ReplyOutcome:
    """Handle one inbound SMS; returns what happened and the reply to send."""
    now = now or utcnow()
    key = sender_key(sender)
    if message_id and _seen(provider, message_id):
        return ReplyOutcome(DUPLICATE, None)
    if not allow_inbound(key, now=now):
        return ReplyOutcome(RATE_LIMITED, None)
    parsed = parse_reply(text)
    decision = _decide(key, parsed, now)
    reply = _reply(decision, parsed)
    _log(provider, message_id, key, decision, now)
    return ReplyOutcome(
        decision.outcome, reply, decision.action.id if decision.action else None,
        decision.person.id if decision.person else None,
    )


def sender_key(sender: str) -> str:
    """The E.164 number when it is one, else the raw sender cut to size (for logs and limits)."""
    try:
        return normalise_phone(sender)
    except InvalidInput:
        return "".join(ch for ch in (sender or "") if ch.isprintable())[:32] or "?"


def _seen(provider: str, message_id: str) -> bool:
    return db.session.scalar(
        select(InboundSms.id).where(InboundSms.provider_message_id == f"{provider}:{message_id}"[:80])
    ) is not None


def _decide(sender: str, parsed: ParsedReply, now: datetime) -> _Decision:
    people = _people_with_phone(sender)
    if not people:
        return _Decision("unknown_number", None)
    person = people[0]
    if not parsed.done:
        return _Decision("garbage", person)
    if parsed.count_invalid:
        return _Decision("invalid_count", person)
    if parsed.codes:
        return _decide_by_code(people, parsed, now)
    return _decide_lone(people, parsed, now)


def _people_with_phone(sender: str) -> list[Person]:
    if not sender.startswith("+"):
        return []
    # Phones are shared in a household: every active person on the number may be the writer.
    return list(db.session.scalars(
        select(Person).where(Person.phone == sender, Person.active.is_(True)).order_by(Person.id)
    ))


def _decide_by_code(people: list[Person], parsed: ParsedReply, now: datetime) -> _Decision:
    """The first candidate code naming an action one of the sender's people may complete by
    SMS (the policy: its assignee); open actions before closed ones."""
    actions = list(db.session.scalars(
        select(Action).where(Action.public_code.in_(parsed.codes))
        .order_by(Action.status != "open", Action.id.desc())
    ))
    for code in parsed.codes:
        for action in (a for a in actions if a.public_code == code):
            owner = _owner(people, action)
            if owner is not None:
                return _complete(owner, action, parsed.people_reached, now)
    return _Decision("not_yours" if actions else "unknown_code", people[0])


def _owner(people: list[Person], action: Action) -> Person | None:
    """Which person on the sending phone the action belongs to (phones are shared)."""
    return next((p for p in people if policy.actions.is_assignee(p, action)), None)


def _decide_lone(people: list[Person], parsed: ParsedReply, now: datetime) -> _Decision:
    """A lone "sudah": completes the one open action of the sender, if there is exactly one."""
    open_actions = list(db.session.scalars(
        select(Action).where(Action.assignee_id.in_([p.id for p in people]), Action.status == "open")
        .order_by(Action.due_at).limit(20)
    ))
    if not open_actions:
        return _Decision("no_open", people[0])
    if len(open_actions) > 1:
        return _Decision("choose", people[0], open_codes=tuple(a.public_code for a in open_actions))
    action = open_actions[0]
    owner = _owner(people, action)
    assert owner is not None  # selected by assignee above
    return _complete(owner, action, parsed.people_reached, now)


# The reply kind (``sms_reply_<outcome>``) for each reason the policy may refuse with.
OUTCOME_OF_REASON = {
    Reason.ALREADY_DONE: "already_done", Reason.CANCELLED: "cancelled",
    Reason.NOT_YOURS: "not_yours", Reason.NOT_FOUND: "not_yours",
}


def _complete(person: Person, action: Action, people_reached: int | None, now: datetime) -> _Decision:
    try:
        result = complete_action(action.id, actor=person, people_reached=people_reached, now=now,
                                 via=Via.SMS)
    except InvalidInput:
        db.session.rollback()
        return _Decision("invalid_count", person, action)
    except DomainError as exc:
        db.session.rollback()
        outcome = OUTCOME_OF_REASON.get(Reason(exc.reason), "error") if exc.reason else "error"
        return _Decision(outcome, person, None if outcome == "not_yours" else action)
    outcome = "done" if result.changed else "already_done"
    return _Decision(outcome, person, result.action, people_reached if result.changed else None)


def _reply(decision: _Decision, parsed: ParsedReply) -> str:
    code = decision.action.public_code if decision.action is not None else None
    return compose(
        f"sms_reply_{decision.outcome}", decision.person, language=parsed.language, code=code,
        people_reached=decision.people_reached, open_codes=list(decision.open_codes),
    ).sms


def _log(provider: str, message_id: str | None, sender: str, decision: _Decision, now: datetime) -> None:
    db.session.add(InboundSms(
        provider=provider, sender=sender, outcome=decision.outcome, received_at=now,
        provider_message_id=f"{provider}:{message_id}"[:80] if message_id else None,
        person_id=decision.person.id if decision.person else None,
        action_id=decision.action.id if decision.action else None,
    ))
    try:
        db.session.commit()
    except IntegrityError:  # the same provider message, handled concurrently: already logged
        db.session.rollback()
