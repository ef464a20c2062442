"""Excel import of one month of case statistics: one row per kelurahan (by code or name), one
column per indicator (by code or name). A preview lists every error by row; the import stores
the whole file or nothing, through ``record_case_stats``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordinator.domain.case_stats import (
    MAX_COUNT,
    CaseStatEntry,
    check_month,
    consistency_errors,
    counts_for_month,
    kelurahan_in_scope,
    record_case_stats,
)
from coordinator.domain.import_files import FileProblem, max_upload_bytes, read_xlsx
from coordinator.errors import InvalidInput
from coordinator.extensions import db
from coordinator.models import Indicator, Person, Region

MAX_ROWS = 5000


@dataclass
class ImportRow:
    line: int
    label: str
    kelurahan: Region | None = None
    counts: dict[int, int] = field(default_factory=dict)
    previous: dict[int, int | None] = field(default_factory=dict)
    errors: list[Any] = field(default_factory=list)


@dataclass
class ImportPreview:
    month: date
    indicators: list[Indicator] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(len(r.errors) for r in self.rows)

    def entries(self) -> list[CaseStatEntry]:
        return [CaseStatEntry(r.kelurahan.code, i, n)
                for r in self.rows if r.kelurahan for i, n in r.counts.items()]


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def _read_sheet(data: bytes) -> list[tuple[Any, ...]]:
    """The non-empty rows of the first sheet, read within the limits of ``import_files``."""
    if len(data) > max_upload_bytes():
        raise FileProblem(str(_l("The file is larger than %(mb)s MB.",
                                 mb=max_upload_bytes() // 2**20)))
    rows = read_xlsx(data, max_rows=MAX_ROWS, formulas_need_values=False)
    return [tuple(r) for r in rows if any(v not in (None, "") for v in r)]


def _indicator_columns(header: tuple[Any, ...], preview: ImportPreview) -> dict[int, Indicator]:
    known: dict[str, Indicator] = {}
    for indicator in db.session.scalars(select(Indicator).where(Indicator.active)):
        for name in (indicator.code, indicator.name_id, indicator.name_en):
            known[_norm(name)] = indicator
    columns: dict[int, Indicator] = {}
    for position, title in enumerate(header[1:], start=1):
        if title in (None, ""):
            continue
        found = known.get(_norm(title))
        if found is None:
            preview.errors.append(_l("Unknown indicator column: %(name)s", name=str(title)))
        elif found in columns.values():
            preview.errors.append(_l("Indicator %(name)s appears twice.", name=str(title)))
        else:
            columns[position] = found
    if not columns and not preview.errors:
        preview.errors.append(_l("The first row must name the indicators, one per column."))
    return columns


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _kelurahan_lookup(actor: Person | None) -> tuple[dict[str, Region], dict[str, list[Region]]]:
    by_code: dict[str, Region] = {}
    by_name: dict[str, list[Region]] = {}
    for region in kelurahan_in_scope(actor):
        by_code[region.code] = region
        by_name.setdefault(_norm(region.name), []).append(region)
    return by_code, by_name


def _parse_row(line: int, cells: tuple[Any, ...], columns: dict[int, Indicator],
               lookup: tuple[dict[str, Region], dict[str, list[Region]]]) -> ImportRow:
    label = str(cells[0] if cells and cells[0] is not None else "").strip()
    row = ImportRow(line=line, label=label)
    by_code, by_name = lookup
    named = by_name.get(_norm(label), [])
    row.kelurahan = by_code.get(label) or (named[0] if len(named) == 1 else None)
    if len(named) > 1:
        row.errors.append(_l("Several kelurahan are called %(name)s: use the code.", name=label))
    elif row.kelurahan is None:
        row.errors.append(_l("Unknown kelurahan (or outside your region): %(name)s",
                             name=label or "-"))
    for position, indicator in columns.items():
        value = cells[position] if position < len(cells) else None
        count = _count(value)
        if count is None or not 0 <= count <= MAX_COUNT:
            row.errors.append(_l("%(indicator)s: %(value)s is not a whole number from 0 to "
                                 "%(max)s.", indicator=indicator.code,
                                 value="(kosong)" if value in (None, "") else str(value),
                                 max=MAX_COUNT))
        else:
            row.counts[indicator.id] = count
    return row


def preview_case_stats_import(*, actor: Person | None, data: bytes, month: date,
                              now: datetime | None = None) -> ImportPreview:
    """Parse and check the file without storing anything."""
    preview = ImportPreview(month=month)
    try:
        check_month(month, now)
    except InvalidInput:
        preview.errors.append(_l("The month must not be in the future."))
    try:
        rows = _read_sheet(data)
    except FileProblem as problem:
        preview.errors.append(problem.message)
        return preview
    if len(rows) < 2:
        preview.errors.append(_l("The sheet has no rows of kelurahan under its header."))
        return preview
    if len(rows) > MAX_ROWS + 1:
        preview.errors.append(_l("The sheet has more than %(n)s rows.", n=MAX_ROWS))
        return preview
    columns = _indicator_columns(rows[0], preview)
    preview.indicators = list(columns.values())
    lookup = _kelurahan_lookup(actor)
    seen: set[str] = set()
    for line, cells in enumerate(rows[1:], start=2):
        row = _parse_row(line, cells, columns, lookup)
        if row.kelurahan is not None and row.kelurahan.code in seen:
            row.errors.append(_l("This kelurahan already has a row above."))
        if row.kelurahan is not None:
            seen.add(row.kelurahan.code)
        preview.rows.append(row)
    _attach_previous(preview)
    _attach_inconsistencies(preview)
    return preview


def _attach_inconsistencies(preview: ImportPreview) -> None:
    """Each row's counts checked against the indicators' rules (as the import will be)."""
    problems = consistency_errors(preview.month, preview.entries())
    for row in preview.rows:
        if row.kelurahan is not None:
            prefix = f"{row.kelurahan.code}/"
            row.errors.extend(e for name, errors in sorted(problems.items())
                              if name.startswith(prefix) for e in errors)


def _attach_previous(preview: ImportPreview) -> None:
    codes = [r.kelurahan.code for r in preview.rows if r.kelurahan]
    existing = counts_for_month(preview.month, codes)
    for row in preview.rows:
        if row.kelurahan:
            row.previous = {i: existing.get((row.kelurahan.code, i)) for i in row.counts}


def import_case_stats(*, actor: Person | None, data: bytes, month: date,
                      now: datetime | None = None) -> int:
    """Store the whole file, or nothing when any row has an error; returns changed counts."""
    preview = preview_case_stats_import(actor=actor, data=data, month=month, now=now)
    if not preview.ok:
        raise InvalidInput("the file has errors", {"file": [str(e) for e in preview.errors] + [
            f"{r.line}: {e}" for r in preview.rows for e in r.errors]})
    return record_case_stats(actor=actor, month=month, entries=preview.entries(), now=now)
