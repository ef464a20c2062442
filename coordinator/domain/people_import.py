"""Import cadres from a CSV or Excel file: parse, preview with row-level errors, then
insert the whole file in one transaction, or nothing at all.

Columns (English or Indonesian headers): name/nama, phone/telepon/hp, email, kelurahan
(code or exact name within the importer's scope), network/jaringan (slug or name; several
separated by commas), rt, rw. CSV must be UTF-8 (with or without BOM).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from coordinator import policy
from coordinator.domain.changes import record_changes
from coordinator.domain.events import PersonCreated
from coordinator.domain.import_files import FileProblem, read_table
from coordinator.domain.people import normalise_email, normalise_phone
from coordinator.errors import N_, InvalidInput
from coordinator.extensions import db
from coordinator.models import Network, Person, Region, person_networks, utcnow
from coordinator.policy.roles import CADRE

HEADERS = {
    "name": ("name", "nama", "nama lengkap"),
    "phone": ("phone", "telepon", "hp", "no hp", "no. hp", "nomor hp", "telp", "no telepon"),
    "email": ("email", "e-mail", "surel"),
    "kelurahan": ("kelurahan", "kelurahan code", "kode kelurahan", "desa"),
    "network": ("network", "jaringan", "networks"),
    "rt": ("rt",),
    "rw": ("rw",),
}
REQUIRED = ("name", "phone", "kelurahan", "network")
MAX_ROWS = 5_000
FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    phone: str
    email: str | None
    kelurahan_code: str
    network_ids: tuple[int, ...]
    rt: str | None
    rw: str | None


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Set when the file as a whole cannot be imported (unreadable, empty, too many rows).
    file_problem: str | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)

    def error_fields(self) -> dict[str, list[str]]:
        """Errors as ``{"line 3: phone": [message]}``, for an API error body."""
        out: dict[str, list[str]] = {}
        for e in self.errors:
            key = f"line {e.line}: {e.column}" if e.line else e.column
            out.setdefault(key, []).append(e.message)
        return out


def _column_map(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    aliases = {alias: key for key, names in HEADERS.items() for alias in names}
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(header):
        title = " ".join(str(raw or "").strip().lower().split())
        if not title:
            continue
        key = aliases.get(title)
        if key is None:
            errors.append(RowError(1, str(raw), _("Unknown column “%(name)s”. Expected: %(expected)s.",
                                                  name=raw, expected=_expected())))
        elif key in columns:
            errors.append(RowError(1, str(raw), _("Column “%(name)s” appears twice.", name=raw)))
        else:
            columns[key] = index
    for key in REQUIRED:
        if key not in columns:
            errors.append(RowError(1, key, _("Missing column “%(name)s”. Expected: %(expected)s.",
                                             name=key, expected=_expected())))
    return columns, errors


def _expected() -> str:
    return ", ".join(f"{names[0]}/{names[1]}" if len(names) > 1 else names[0]
                     for names in HEADERS.values())


class _Lookups:
    """Kelurahan and networks the importer may use, loaded once per file."""

    def __init__(self, actor: Person | None) -> None:
        query = select(Region.code, Region.name).where(Region.level == "kelurahan")
        if actor is not None and policy.scope_code(actor) is not None:
            query = query.where(policy.region_filter(Region.code, actor.region_code))
        rows = db.session.execute(query).all()
        self.codes = {code for code, _name in rows}
        self.by_name: dict[str, list[str]] = {}
        for code, name in rows:
            self.by_name.setdefault(_key(name), []).append(code)
        self.networks: dict[str, int] = {}
        for net in db.session.scalars(select(Network).where(Network.active.is_(True))):
            self.networks[_key(net.slug)] = net.id
            self.networks[_key(net.name)] = net.id


def _key(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _cell(row: list[Any], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _check_row(line: int, cells: dict[str, str], lookups: _Lookups,
               errors: list[RowError]) -> ImportRow | None:
    count = len(errors)

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    name = " ".join(cells["name"].split())
    if not name or len(name) > 120:
        fail("name", _(N_("Name is required (at most 120 characters).")))
    elif name.startswith(FORMULA_STARTS):
        # A spreadsheet would run it as a formula when the list is exported again.
        fail("name", _(N_("A name may not start with =, +, - or @.")))
    phone = ""
    try:
        phone = normalise_phone(cells["phone"])
    except InvalidInput:
        fail("phone", _("“%(value)s” is not an Indonesian mobile number.", value=cells["phone"]))
    email = None
    if cells["email"]:
        try:
            email = normalise_email(cells["email"])
        except InvalidInput:
            fail("email", _("“%(value)s” is not a valid email address.", value=cells["email"]))
    kelurahan = _kelurahan(cells["kelurahan"], lookups, fail)
    networks = _networks(cells["network"], lookups, fail)
    rt, rw = (_rt_rw(cells[k], k, fail) for k in ("rt", "rw"))
    if len(errors) > count or kelurahan is None:
        return None
    return ImportRow(line, name, phone, email, kelurahan, networks, rt, rw)


def _kelurahan(value: str, lookups: _Lookups, fail: Any) -> str | None:
    if value in lookups.codes:
        return value
    matches = lookups.by_name.get(_key(value), [])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        fail("kelurahan", _("Several kelurahan are called “%(value)s”: use the code (%(codes)s).",
                            value=value, codes=", ".join(matches)))
    else:
        fail("kelurahan", _("Unknown kelurahan “%(value)s” (give its code or exact name).",
                            value=value))
    return None


def _networks(value: str, lookups: _Lookups, fail: Any) -> tuple[int, ...]:
    names = [n for n in re.split(r"[,;]", value) if n.strip()]
    if not names:
        fail("network", _("A network is required."))
    ids = []
    for name in names:
        if _key(name) in lookups.networks:
            ids.append(lookups.networks[_key(name)])
        else:
            fail("network", _("Unknown network “%(value)s”.", value=name.strip()))
    return tuple(sorted(set(ids)))


def _rt_rw(value: str, column: str, fail: Any) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{1,3}", value):
        fail(column, _("%(column)s must be a number of 1 to 3 digits.", column=column.upper()))
        return None
    return value.zfill(3)


def _check_duplicates(rows: list[ImportRow], errors: list[RowError]) -> None:
    first_phone: dict[str, int] = {}
    first_email: dict[str, int] = {}
    for row in rows:
        for value, seen, column in ((row.phone, first_phone, "phone"),
                                    (row.email, first_email, "email")):
            if value and value in seen:
                errors.append(RowError(row.line, column, _(
                    "“%(value)s” is already on line %(line)s of this file.",
                    value=value, line=seen[value])))
            elif value:
                seen[value] = row.line
    _check_against_database(rows, errors)


def _check_against_database(rows: list[ImportRow], errors: list[RowError]) -> None:
    phones = {r.phone for r in rows}
    emails = {r.email for r in rows if r.email}
    taken_phones = set(db.session.scalars(select(Person.phone).where(Person.phone.in_(phones))))
    taken_emails = set(db.session.scalars(
        select(func.lower(Person.email)).where(func.lower(Person.email).in_(emails))))
    for row in rows:
        if row.phone in taken_phones:
            errors.append(RowError(row.line, "phone", _(
                "“%(value)s” is already in use; ask an administrator if it should move here.",
                value=row.phone)))
        if row.email and row.email in taken_emails:
            errors.append(RowError(row.line, "email", _(
                "“%(value)s” is already in use; ask an administrator if it should move here.",
                value=row.email)))


def preview_people_import(filename: str, data: bytes, *, actor: Person | None) -> ImportPreview:
    """Parse and check every row; writes nothing."""
    preview = ImportPreview()
    try:
        table = read_table(filename, data)
    except FileProblem as problem:
        preview.errors.append(RowError(problem.line, problem.column, problem.message))
        preview.file_problem = problem.message
        return preview
    if not table:
        preview.file_problem = _("The file is empty.")
        preview.errors.append(RowError(0, "file", preview.file_problem))
        return preview
    columns, header_errors = _column_map([str(c or "") for c in table[0]])
    if header_errors:
        preview.errors.extend(header_errors)
        return preview
    body = [(i + 2, r) for i, r in enumerate(table[1:]) if any(str(c or "").strip() for c in r)]
    if not body:
        preview.errors.append(RowError(0, "file", _("The file has no rows under its header.")))
    if len(body) > MAX_ROWS:
        preview.file_problem = _("At most %(n)s rows per file.", n=MAX_ROWS)
        preview.errors.append(RowError(0, "file", preview.file_problem))
        return preview
    lookups = _Lookups(actor)
    for line, row in body:
        cells = {key: _cell(row, columns, key) for key in HEADERS}
        checked = _check_row(line, cells, lookups, preview.errors)
        if checked is not None:
            preview.rows.append(checked)
    _check_duplicates(preview.rows, preview.errors)
    preview.errors.sort(key=lambda e: (e.line, e.column))
    db.session.rollback()
    return preview


def import_people(filename: str, data: bytes, *, actor: Person | None) -> list[int]:
    """Create a cadre for every row, the whole file or nothing; returns the new ids."""
    if actor is not None:
        policy.require(actor, "person.import", actor.region_code)
    preview = preview_people_import(filename, data, actor=actor)
    if not preview.is_valid:
        raise InvalidInput(_("The file has errors; nothing was imported."), preview.error_fields())
    now = utcnow()
    rows = [{"name": r.name, "role": CADRE, "region_code": r.kelurahan_code, "phone": r.phone,
             "email": r.email, "rt": r.rt, "rw": r.rw, "language": "id",
             "channel_preference": "sms", "active": True, "failed_logins": 0, "created_at": now}
            for r in preview.rows]
    db.session.execute(insert(Person), rows)
    ids = {phone: pid for phone, pid in db.session.execute(select(Person.phone, Person.id).where(
        Person.phone.in_([r.phone for r in preview.rows])))}
    db.session.execute(insert(person_networks), [
        {"person_id": ids[r.phone], "network_id": n} for r in preview.rows for n in r.network_ids])
    record_changes(
        actor, "import", "person",
        [(ids[r.phone], None, {"name": r.name, "role": CADRE, "region_code": r.kelurahan_code,
                               "phone": r.phone, "email": r.email,
                               "network_ids": list(r.network_ids)})
         for r in preview.rows],
        [PersonCreated(person_id=ids[r.phone], role=CADRE, region_code=r.kelurahan_code)
         for r in preview.rows],
    )
    db.session.commit()
    return [ids[r.phone] for r in preview.rows]
