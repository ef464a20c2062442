"""People: phone and email normalisation, create/update/deactivate, passwords."""
from __future__ import annotations

import re
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from coordinator import policy
from coordinator.domain.changes import record_audit
from coordinator.domain.events import PersonCreated, PersonDeactivated, PersonUpdated, record_event
from coordinator.domain.sessions import end_all_sessions
from coordinator.errors import N_, Conflict, InvalidInput, NotFound
from coordinator.extensions import db
from coordinator.models import Network, Person, Region
from coordinator.models.people import CHANNEL_PREFERENCES, ROLES

MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
MIN_PASSWORD_LENGTH = 10
RT_RW = re.compile(r"^\d{1,3}$")
EDITABLE = ("name", "role", "region_code", "email", "phone", "language", "channel_preference",
            "rt", "rw", "network_ids")


def normalise_phone(raw: str) -> str:
    """An Indonesian mobile number in E.164 (+62...); accepts 0812..., 62812..., +62 812-...."""
    text = (raw or "").strip()
    digits = re.sub(r"[\s\-().]", "", text)
    if digits.startswith("62") and digits.isdigit():
        digits = "+" + digits
    error = InvalidInput("invalid phone", {"phone": [f"Not a valid Indonesian mobile number: {text!r}."]})
    try:
        number = phonenumbers.parse(digits, "ID")
    except phonenumbers.NumberParseException:
        raise error from None
    if (number.country_code != 62 or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) not in MOBILE_TYPES):
        raise error
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """A syntactically valid email address, normalised (no DNS look-up)."""
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput("invalid email", {"email": [str(exc)]}) from None


def person_snapshot(person: Person) -> dict[str, Any]:
    """The audited fields of a person (never the password hash), JSON-ready."""
    return {
        "name": person.name, "role": person.role, "region_code": person.region_code,
        "email": person.email, "phone": person.phone, "language": person.language,
        "channel_preference": person.channel_preference, "rt": person.rt, "rw": person.rw,
        "active": person.active, "network_ids": sorted(n.id for n in person.networks),
    }


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise person fields; raises ``InvalidInput`` with every field's error."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for key, value in values.items():
        try:
            out[key] = _clean_field(key, value)
        except InvalidInput as exc:
            for name, messages in (exc.fields or {key: [exc.message]}).items():
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise InvalidInput("invalid person", errors)
    return out


def _clean_field(key: str, value: Any) -> Any:
    if key == "name":
        name = " ".join(str(value or "").split())
        if not name or len(name) > 120:
            raise InvalidInput("bad name", {"name": [N_("Name is required (at most 120 characters).")]})
        return name
    if key == "role" and value not in ROLES:
        raise InvalidInput("bad role", {"role": [f"Must be one of {', '.join(ROLES)}."]})
    if key == "region_code" and (not value or db.session.get(Region, value) is None):
        raise InvalidInput("bad region", {"region_code": [N_("Unknown region.")]})
    if key == "email":
        return normalise_email(value) if value else None
    if key == "phone":
        return normalise_phone(value) if value else None
    if key == "language" and value not in ("id", "en"):
        raise InvalidInput("bad language", {"language": [N_("Must be id or en.")]})
    if key == "channel_preference" and value not in CHANNEL_PREFERENCES:
        raise InvalidInput("bad channel", {"channel_preference": [N_("Must be sms, email or both.")]})
    if key in ("rt", "rw"):
        if value in (None, ""):
            return None
        text = str(value).strip()
        if not RT_RW.match(text):
            raise InvalidInput("bad rt/rw", {key: [N_("Must be a number of 1 to 3 digits.")]})
        return text.zfill(3)
    if key == "network_ids":
        ids = sorted({int(i) for i in value or ()})
        found = db.session.scalars(select(Network).where(Network.id.in_(ids))).all() if ids else []
        if len(found) != len(ids):
            raise InvalidInput("bad network", {"network_ids": [N_("Unknown network.")]})
        return list(found)
    return value


def _commit_unique_email(flush_only: bool = False) -> None:
    """Flush or commit; a concurrent insert of the same email becomes a ``Conflict``."""
    try:
        db.session.flush() if flush_only else db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(N_("email already in use"),
                       fields={"email": [N_("This email is already in use.")]}) from None


def _check_unique_email(email: str | None, person_id: int | None = None) -> None:
    if not email:
        return
    query = select(Person.id).where(func.lower(Person.email) == email.lower())
    if person_id is not None:
        query = query.where(Person.id != person_id)
    if db.session.scalars(query).first() is not None:
        raise Conflict(N_("email already in use"), fields={"email": [N_("This email is already in use.")]})


def create_person(
    *, actor: Person | None, name: str, role: str, region_code: str,
    email: str | None = None, phone: str | None = None, language: str = "id",
    channel_preference: str = "sms", rt: str | None = None, rw: str | None = None,
    network_ids: list[int] | tuple[int, ...] = (), password: str | None = None,
) -> Person:
    """Create a person (a cadre, coordinator, lead or admin) inside the actor's scope."""
    values = _clean({
        "name": name, "role": role, "region_code": region_code, "email": email, "phone": phone,
        "language": language, "channel_preference": channel_preference, "rt": rt, "rw": rw,
        "network_ids": network_ids,
    })
    _require_manage_new(actor, values["role"], values["region_code"])
    _check_unique_email(values["email"])
    networks = values.pop("network_ids")
    person = Person(**values, networks=networks, active=True)
    if password is not None:
        person.password_hash = _hash_password(password)
    db.session.add(person)
    _commit_unique_email(flush_only=True)
    record_audit(_id(actor), "create", "person", person.id, None, person_snapshot(person))
    record_event(PersonCreated(person_id=person.id, role=person.role, region_code=person.region_code))
    _commit_unique_email()
    return person


def _require_manage_new(actor: Person | None, role: str, region_code: str) -> None:
    if actor is None:
        return
    if not policy.in_scope(actor, region_code):
        raise InvalidInput("region out of scope", {"region_code": [N_("Unknown region.")]})
    policy.require(actor, "person.give_role", role)
    policy.require(actor, "person.manage", region_code)


def _id(actor: Person | None) -> int | None:
    return actor.id if actor is not None else None


def _load_managed(person_id: int, actor: Person | None) -> Person:
    if actor is None:
        person = db.session.get(Person, person_id)
        if person is None:
            raise NotFound("person not found")
        return person
    person = policy.get_person_or_404(actor, person_id)
    policy.require(actor, "person.manage", person)
    return person


def update_person(person_id: int, *, actor: Person | None, **changes: Any) -> Person:
    """Change a person's fields (``EDITABLE``); unknown fields are an ``InvalidInput``."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput("unknown fields", {k: [N_("Unknown field.")] for k in unknown})
    person = _load_managed(person_id, actor)
    values = _clean(changes)
    if "role" in values or "region_code" in values:
        _require_manage_new(actor, values.get("role", person.role),
                            values.get("region_code", person.region_code))
    if "email" in values:
        _check_unique_email(values["email"], person.id)
    before = person_snapshot(person)
    for key, value in values.items():
        setattr(person, "networks" if key == "network_ids" else key, value)
    after = person_snapshot(person)
    changed = tuple(k for k in after if after[k] != before[k])
    if changed:
        record_audit(_id(actor), "update", "person", person.id, before, after)
        record_event(PersonUpdated(person_id=person.id, changed=changed))
    _commit_unique_email()
    return person


def deactivate_person(person_id: int, *, actor: Person | None) -> Person:
    """Deactivate a person: no login, no new actions; their history stays."""
    person = _load_managed(person_id, actor)
    if actor is not None and person.id == actor.id:
        raise Conflict(N_("you cannot deactivate yourself"))
    if not person.active:
        return person
    before = person_snapshot(person)
    person.active = False
    record_audit(_id(actor), "deactivate", "person", person.id, before, person_snapshot(person))
    record_event(PersonDeactivated(person_id=person.id))
    end_all_sessions(person, actor=actor, reason="deactivated", commit=False)
    db.session.commit()
    return person


def _hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password too short",
            {"password": [f"Use at least {MIN_PASSWORD_LENGTH} characters."]},
        )
    return generate_password_hash(password, method="scrypt")


def set_password(person: Person, password: str) -> None:
    """Set ``person``'s password (scrypt hash) and commit; every session and API token of the
    person ends, so whoever knew the old password is out."""
    person.password_hash = _hash_password(password)
    person.failed_logins = 0
    person.locked_until = None
    record_audit(person.id, "set_password", "person", person.id, None, None)
    end_all_sessions(person, actor=None, reason="password_set", commit=False, links=False)
    db.session.commit()


def check_password(person: Person, password: str) -> bool:
    """Whether ``password`` matches; a person without a password never matches."""
    if not person.password_hash or not password:
        return False
    return check_password_hash(person.password_hash, password)
