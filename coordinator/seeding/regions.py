"""Loads regions from CSV files, validated whole before anything is written, set-based."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, text, update

from coordinator.extensions import db
from coordinator.models import Region
from coordinator.models.regions import LEVEL_BY_PARTS, REGION_LEVELS

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DKI_JAKARTA_CSV = DATA_DIR / "regions_dki_jakarta.csv"
CODE_PATTERN = re.compile(r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")  # ASCII digits only
CHUNK = 5_000


class SeedFileError(ValueError):
    """A seed file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class RegionRow:
    code: str
    parent_code: str | None
    level: str
    name: str
    # Where the row was read ("file, line N"), so later checks can name it too.
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class SeedCount:
    inserted: int
    updated: int


def _fail(path: Path, line: int, message: str) -> SeedFileError:
    return SeedFileError(f"{path}, line {line}: {message}")


def _check_row(path: Path, line: int, row: RegionRow) -> None:
    if not CODE_PATTERN.match(row.code):
        raise _fail(path, line, f"code {row.code!r} is not a Kemendagri code like 31.73.01.1001")
    if row.level not in REGION_LEVELS:
        raise _fail(path, line, f"level {row.level!r} is not one of {', '.join(REGION_LEVELS)}")
    if LEVEL_BY_PARTS[len(row.code.split("."))] != row.level:
        raise _fail(path, line, f"code {row.code} does not denote a {row.level}")
    expected_parent = ".".join(row.code.split(".")[:-1]) or None
    if row.parent_code != expected_parent:
        raise _fail(path, line, f"parent of {row.code} must be {expected_parent}, not {row.parent_code}")
    if not row.name or len(row.name) > 120:
        raise _fail(path, line, "name is empty or longer than 120 characters")


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SeedFileError(f"{path}: file not found") from None
    except OSError as exc:
        raise SeedFileError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(path, line, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _read_csv(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_decode(path), newline=""))
    try:
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise _fail(path, 1, f"missing column(s) {', '.join(missing)}")
        for record in reader:
            if None in record or any(record.get(c) is None for c in columns):
                raise _fail(path, reader.line_num, "wrong number of fields")
            yield reader.line_num, {k: (v or "").strip() for k, v in record.items()}
    except csv.Error as exc:
        raise _fail(path, reader.line_num, f"not valid CSV ({exc})") from None


def _check_unique(rows: list[RegionRow]) -> None:
    seen: set[str] = set()
    for row in rows:
        if row.code in seen:
            raise SeedFileError(f"{row.source}: code {row.code} appears twice")
        seen.add(row.code)


def read_region_csv(path: Path) -> list[RegionRow]:
    """Rows of a ``code,parent_code,level,name`` file, every one validated."""
    rows = []
    for line, record in _read_csv(path, ("code", "parent_code", "level", "name")):
        row = RegionRow(
            record["code"], record["parent_code"] or None, record["level"], record["name"],
            source=f"{path}, line {line}",
        )
        _check_row(path, line, row)
        rows.append(row)
    _check_unique(rows)
    return rows


WILAYAH_FILES = (
    ("provinces.csv", "province", None),
    ("regencies.csv", "city", "province_code"),
    ("districts.csv", "kecamatan", "regency_code"),
    ("villages.csv", "kelurahan", "district_code"),
)


def read_wilayah_folder(folder: Path) -> list[RegionRow]:
    """Every region of Indonesia from the four wilayah CSVs (provinces ... villages)."""
    rows: list[RegionRow] = []
    for filename, level, parent_column in WILAYAH_FILES:
        path = folder / filename
        columns = ("code", "name") + ((parent_column,) if parent_column else ())
        for line, record in _read_csv(path, columns):
            parent = record[parent_column] if parent_column else None
            row = RegionRow(
                record["code"], parent or None, level, record["name"], source=f"{path}, line {line}"
            )
            _check_row(path, line, row)
            rows.append(row)
    _check_unique(rows)
    return rows


def _check_parents(rows: list[RegionRow]) -> None:
    """Every parent is in ``rows`` or already in the database; else name the first orphan."""
    known = {row.code for row in rows}
    missing = {row.parent_code for row in rows if row.parent_code and row.parent_code not in known}
    if not missing:
        return
    existing = set(db.session.scalars(select(Region.code).where(Region.code.in_(missing))))
    for row in rows:
        if row.parent_code in missing and row.parent_code not in existing:
            where = f"{row.source}: " if row.source else ""
            raise SeedFileError(f"{where}unknown parent region {row.parent_code} of {row.code}")


def _chunks(items: list[dict[str, str | None]], size: int) -> Iterable[list[dict[str, str | None]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def upsert_regions(rows: list[RegionRow],
                   progress: Callable[[int, int], None] | None = None) -> SeedCount:
    """Insert missing regions and rename changed ones, parents first, in one transaction;
    ``progress(done, total)`` hears of each chunk written."""
    _check_parents(rows)
    existing = dict(db.session.execute(select(Region.code, Region.name)).all())
    order = {level: n for n, level in enumerate(REGION_LEVELS)}
    new = [
        {"code": r.code, "parent_code": r.parent_code, "level": r.level, "name": r.name}
        for r in sorted(rows, key=lambda r: order[r.level])
        if r.code not in existing
    ]
    renamed = [r for r in rows if r.code in existing and existing[r.code] != r.name]
    try:
        done = 0
        for chunk in _chunks(new, CHUNK):
            db.session.execute(insert(Region), chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, len(new))
        if renamed:
            # ORM bulk UPDATE by primary key: one executemany, not a statement per row.
            db.session.execute(update(Region), [{"code": r.code, "name": r.name} for r in renamed])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if new and db.session.get_bind().dialect.name == "postgresql":
        # The planner learns the tree's shape now rather than at autovacuum's next visit:
        # without statistics it hashes all 91,599 regions to count a city's 56 kelurahan.
        db.session.execute(text("ANALYZE regions"))
        db.session.commit()
    return SeedCount(inserted=len(new), updated=len(renamed))


def seed_dki_jakarta(path: Path = DKI_JAKARTA_CSV) -> SeedCount:
    """The regions of DKI Jakarta shipped with Sinergi (Jakarta Barat's 56 kelurahan among them)."""
    return upsert_regions(read_region_csv(path))
