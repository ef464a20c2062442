"""What the rollups should hold, computed set-based from the source tables, and where they differ.

Each expected table is one statement (common table expressions, no staging writes), so it reads
one snapshot even outside a transaction and holds no lock on the live rollups: actions are
counted from their rows in one pass (actions with an event still in flight are counted as the
incremental handler last counted them, from ``rollup_action_states``), grouped per kelurahan and
network, then summed up the region tree by code prefix (``up_the_tree``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from coordinator.extensions import db
from coordinator.models.regions import ANCESTOR_PREFIX_LENGTHS
from coordinator.models.rollups import COUNTRY_CODE, PROGRAM_COUNTS
from coordinator.rollups.incremental import INDICATOR_KEYS, PROGRAM_KEYS

# An indicator row's count and how many kelurahan reported it (1 for each case_stats row).
INDICATOR_VALUES = ("count", "reported")
# Events created since :in_flight_since and not yet applied: their actions are in flight. An
# event every handler processed (``handled_at``) is not, and the unhandled ones are few and
# indexed (``ix_events_unhandled``): without that the outbox was scanned twice (290 ms each at
# 366,000 events).
PENDING_ACTIONS = (
    "SELECT e.aggregate_id FROM events e WHERE e.aggregate_type = 'action' "
    "AND e.handled_at IS NULL AND e.created_at >= :in_flight_since AND NOT EXISTS "
    "(SELECT 1 FROM processed_events p WHERE p.event_id = e.id AND p.handler = :handler)"
)
# coordinator.domain.overdue.declared_clause, in this module's raw SQL.
OVERDUE_DECLARED = (
    "EXISTS (SELECT 1 FROM action_overdue_marks m WHERE m.action_id = a.id "
    "AND m.due_at = a.due_at)"
)
# One action's contribution (program_id, kelurahan_code, network_id, status, on_time, overdue,
# people_reached), normalised as facts.Contribution.counts reads it; the mirror's likewise.
ACTION_CONTRIBUTION = (
    "a.program_id, a.kelurahan_code, a.network_id, a.status, "
    "CASE WHEN a.status = 'done' AND a.completed_at <= a.due_at THEN TRUE ELSE FALSE END, "
    f"CASE WHEN a.status = 'open' AND {OVERDUE_DECLARED} THEN TRUE ELSE FALSE END, "
    "CASE WHEN a.status = 'done' THEN COALESCE(a.people_reached, 0) ELSE 0 END"
)
MIRROR_CONTRIBUTION = (
    "s.program_id, s.kelurahan_code, s.network_id, s.status, "
    "CASE WHEN s.status = 'done' AND s.on_time THEN TRUE ELSE FALSE END, "
    "CASE WHEN s.status = 'open' AND s.overdue THEN TRUE ELSE FALSE END, "
    "CASE WHEN s.status = 'done' THEN s.people_reached ELSE 0 END"
)
# Each per-kelurahan sum as INTEGER: summing those up the tree is then SUM(integer), a bigint
# accumulated in place, where SUM(bigint) accumulates a numeric (slower, and twice the memory:
# the grouping of 1.1 million rows spilled to disk at 250,000 actions).
PROGRAM_SUMS = ", ".join(f"CAST({total} AS INTEGER) AS {name}" for total, name in (
    ("COUNT(*)", "total"), ("SUM(CASE WHEN c.status = 'open' THEN 1 ELSE 0 END)", "open"),
    ("SUM(CASE WHEN c.status = 'done' THEN 1 ELSE 0 END)", "done"),
    ("SUM(CASE WHEN c.on_time THEN 1 ELSE 0 END)", "done_on_time"),
    ("SUM(CASE WHEN c.overdue THEN 1 ELSE 0 END)", "overdue"),
    ("SUM(CASE WHEN c.status = 'cancelled' THEN 1 ELSE 0 END)", "cancelled"),
    ("SUM(c.people_reached)", "people_reached")))
COUNTS = ", ".join(PROGRAM_COUNTS)
SUMMED = ", ".join(f"SUM(k.{c}) AS {c}" for c in PROGRAM_COUNTS)


def up_the_tree(source: str, columns: str, code: str = "kelurahan_code") -> str:
    """Each row of ``source`` once for every region its ``code`` counts in: itself, each
    ancestor (``models.regions.ancestor_codes``' rule: the code's prefixes) and the country.
    Codes are 2.2.2.4 digits (``seeding.regions.CODE_PATTERN``), so an ancestor is a fixed-length
    prefix: no join with ``regions`` (walking ``parent_code`` and sorting each row onto its
    ancestors made the recompute 6 x the raw ``GROUP BY ROLLUP`` at 250,000 actions)."""
    levels = [f"SELECT {columns}, {code} AS region_code FROM {source}",
              f"SELECT {columns}, '{COUNTRY_CODE}' AS region_code FROM {source}"]
    levels += [f"SELECT {columns}, substr({code}, 1, {length}) AS region_code FROM {source} "
               f"WHERE length({code}) > {length}" for length in ANCESTOR_PREFIX_LENGTHS]
    return " UNION ALL ".join(levels)


def expected_programs(in_flight: bool) -> str:
    """``WITH ... expected (program_id, region_code, network_key, counts...)``; with
    ``in_flight``, actions of :data:`PENDING_ACTIONS` count as their mirror row says."""
    actions = f"SELECT {ACTION_CONTRIBUTION} FROM actions a"
    if in_flight:
        actions += (f" WHERE a.id NOT IN ({PENDING_ACTIONS}) UNION ALL SELECT "
                    f"{MIRROR_CONTRIBUTION} FROM rollup_action_states s "
                    f"WHERE s.action_id IN ({PENDING_ACTIONS})")
    return (
        "WITH contributions (program_id, kelurahan_code, network_id, status, on_time, "
        f"overdue, people_reached) AS ({actions}), "
        f"per_kelurahan AS (SELECT c.program_id, c.kelurahan_code, c.network_id, {PROGRAM_SUMS} "
        "FROM contributions c GROUP BY c.program_id, c.kelurahan_code, c.network_id), "
        f"keyed AS (SELECT program_id, kelurahan_code, 0 AS network_key, {COUNTS} "
        f"FROM per_kelurahan UNION ALL SELECT program_id, kelurahan_code, network_id, {COUNTS} "
        "FROM per_kelurahan WHERE network_id IS NOT NULL), "
        f"expected AS (SELECT k.program_id, k.region_code, k.network_key, {SUMMED} "
        f"FROM ({up_the_tree('keyed', f'program_id, network_key, {COUNTS}')}) k "
        "GROUP BY k.program_id, k.region_code, k.network_key) "
    )


def _year_month() -> tuple[str, str]:
    if db.session.get_bind().dialect.name == "postgresql":
        return ("CAST(EXTRACT(YEAR FROM c.month) AS INTEGER)",
                "CAST(EXTRACT(MONTH FROM c.month) AS INTEGER)")
    return "CAST(strftime('%Y', c.month) AS INTEGER)", "CAST(strftime('%m', c.month) AS INTEGER)"


def expected_indicators() -> str:
    """``WITH ... expected (indicator_id, region_code, year, month, count, reported)``."""
    year, month = _year_month()
    return (
        "WITH per_kelurahan AS (SELECT c.indicator_id, c.kelurahan_code, "
        f"{year} AS year, {month} AS month, c.count FROM case_stats c), "
        "expected AS (SELECT k.indicator_id, k.region_code, k.year, k.month, "
        "SUM(k.count) AS count, COUNT(*) AS reported "
        f"FROM ({up_the_tree('per_kelurahan', 'indicator_id, year, month, count')}) k "
        "GROUP BY k.indicator_id, k.region_code, k.year, k.month) "
    )


@dataclass(frozen=True)
class Drift:
    """One rollup row that differs: expected (None: no row) against found (None: no row).

    ``version`` is the live row's version (PostgreSQL ``xmin``) when found, to tell later
    whether an incremental update touched it; ``kelurahan`` says it is a kelurahan's own row."""

    table: str
    key: tuple[Any, ...]
    expected: dict[str, int] | None
    found: dict[str, int] | None
    version: str | None
    kelurahan: bool

    def difference(self) -> dict[str, int]:
        """found - expected, per value (absent rows count as zeros)."""
        expected, found = self.expected or {}, self.found or {}
        return {name: found.get(name, 0) - expected.get(name, 0) for name in found | expected}


def version_column(alias: str) -> str:
    """The row version as text on PostgreSQL (``xmin`` changes with every update), else NULL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return f"CAST({alias}.xmin AS TEXT)"
    return "NULL"


def drifts(table: str, with_expected: str, **params: Any) -> list[Drift]:
    """Rows where ``with_expected``'s ``expected`` and the live ``table`` differ."""
    keys = PROGRAM_KEYS if table == "program_rollups" else INDICATOR_KEYS
    values = PROGRAM_COUNTS if table == "program_rollups" else INDICATOR_VALUES
    on = " AND ".join(f"e.{k} = l.{k}" for k in keys)
    differ = " OR ".join(f"COALESCE(e.{v}, 0) <> COALESCE(l.{v}, 0)" for v in values)
    cols = ", ".join([f"COALESCE(e.{k}, l.{k})" for k in keys] + [f"e.{v}" for v in values]
                     + [f"l.{v}" for v in values])
    rows = db.session.execute(text(
        f"{with_expected} SELECT {cols}, e.{keys[0]}, l.{keys[0]}, {version_column('l')}, "
        "r.level = 'kelurahan' "
        f"FROM expected e FULL JOIN {table} l ON {on} "
        f"LEFT JOIN regions r ON r.code = COALESCE(e.region_code, l.region_code) WHERE {differ}"
    ), params).all()
    width, count = len(keys), len(values)
    return [
        Drift(table, tuple(row[:width]),
              _values(values, row[width:width + count]) if row[-4] is not None else None,
              _values(values, row[width + count:width + 2 * count]) if row[-3] is not None else None,
              row[-2], bool(row[-1]))
        for row in rows
    ]


def _values(names: tuple[str, ...], row: Any) -> dict[str, int]:
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}
