"""Synthetic people, programs, actions and events, set-based SQL from a fixed random seed.

``setseed`` makes PostgreSQL's ``random()`` repeat for a given seed (parallel query off, so the
rows are produced in one order). Codes come from the real region tree in the template.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.app import ApiToken, db, hash_token, set_password

SEED = 0.2022
PASSWORD = "bench-password-123"
NOW = datetime(2022, 3, 16, 3, 0, tzinfo=UTC)  # 10:00 WIB on a working Wednesday


def sql(statement: str, **params: Any) -> Any:
    return db.session.execute(text(statement), params)


def seeded() -> None:
    sql("SET max_parallel_workers_per_gather = 0")
    sql("SELECT setseed(:s)", s=SEED)


def naive(moment: datetime) -> datetime:
    """Timestamps are stored as naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass
class Staff:
    admin_id: int
    lead_id: int
    lead_token: str
    lead_email: str
    admin_email: str


def add_staff(city: str = "31.73") -> Staff:
    """An admin and a city lead (both with a password), the lead with an API token."""
    ids = {}
    for role, region, email in (("admin", "31", "admin@bench.test"),
                                ("lead", city, "lead@bench.test")):
        ids[role] = sql(
            "INSERT INTO people (name, role, region_code, email, phone, language, "
            "channel_preference, active, failed_logins, created_at) VALUES (:n, :r, :reg, :e, "
            "NULL, 'id', 'email', true, 0, now()) RETURNING id",
            n=f"Bench {role}", r=role, reg=region, e=email).scalar_one()
    from bench.app import Person

    for person_id in ids.values():
        set_password(db.session.get_one(Person, person_id), PASSWORD)
    token = "sng_bench_" + "x" * 30
    db.session.add(ApiToken(person_id=ids["lead"], name="bench", token_hash=hash_token(token)))
    db.session.commit()
    return Staff(ids["admin"], ids["lead"], token, "lead@bench.test", "admin@bench.test")


def add_cadres(count: int, prefix: str) -> int:
    """``count`` active cadres with phones in the kelurahan under ``prefix`` (round robin), each
    in one network: cadre i lives in kelurahan i mod K and belongs to network (i div K) mod 8,
    so every kelurahan has every network once count >= 8 K. Returns how many kelurahan."""
    kelurahan = sql("SELECT count(*) FROM regions WHERE level = 'kelurahan' AND code LIKE :p",
                    p=prefix + "%").scalar_one()
    start = sql("SELECT coalesce(max(id), 0) FROM people").scalar_one()
    sql(
        "WITH k AS (SELECT array_agg(code ORDER BY code) AS codes FROM regions "
        "           WHERE level = 'kelurahan' AND code LIKE :p) "
        "INSERT INTO people (name, role, region_code, phone, language, channel_preference, "
        "active, failed_logins, created_at) "
        "SELECT 'Kader ' || g, 'cadre', k.codes[1 + g % cardinality(k.codes)], "
        "'+62812' || lpad((:start + g)::text, 8, '0'), 'id', 'sms', true, 0, now() "
        "FROM generate_series(0, :n - 1) g CROSS JOIN k ORDER BY g",
        p=prefix + "%", n=count, start=start)
    sql(
        "WITH nets AS (SELECT array_agg(id ORDER BY id) AS ids FROM networks) "
        "INSERT INTO person_networks (person_id, network_id) "
        "SELECT p.id, nets.ids[1 + ((p.id - :start - 1) / :k) % cardinality(nets.ids)] "
        "FROM people p CROSS JOIN nets WHERE p.id > :start",
        start=start, k=kelurahan)
    return int(kelurahan)


def add_coordinators_and_leads(prefix: str) -> None:
    """One coordinator per kelurahan and one lead per kecamatan under ``prefix`` (escalations)."""
    for role, level in (("coordinator", "kelurahan"), ("lead", "kecamatan")):
        sql(
            "INSERT INTO people (name, role, region_code, phone, email, language, "
            "channel_preference, active, failed_logins, created_at) "
            "SELECT :role || ' ' || code, :role, code, NULL, :role || '.' || code || '@bench.test', "
            "'id', 'email', true, 0, now() FROM regions WHERE level = :level AND code LIKE :p",
            role=role, level=level, p=prefix + "%")


def add_program(owner_id: int, region: str, title: str = "Sosialisasi bench") -> int:
    """An active program, created and last edited a month before the bench's clock (``NOW``),
    like its actions: nothing about it is news to a sweep at ``NOW``."""
    return int(sql(
        "INSERT INTO programs (title, description, category, year, region_code, owner_id, "
        "status, created_at, updated_at) VALUES (:t, '', 'prevention', 2022, :r, :o, 'active', "
        ":at, :at) RETURNING id", t=title, r=region, o=owner_id,
        at=naive(NOW - timedelta(days=30))).scalar_one())


def add_actions(program_id: int, count: int, prefix: str, *, due_from: datetime,
                due_to: datetime, done: float = 0.0, cancelled: float = 0.0,
                created_before_due: timedelta = timedelta(days=10)) -> None:
    """``count`` actions of ``program_id`` given to random cadres living under ``prefix``, due
    uniformly between ``due_from`` and ``due_to``; shares ``done`` and ``cancelled`` closed."""
    seeded()
    base = sql("SELECT coalesce(max(id), 0) FROM actions").scalar_one()
    span = (due_to - due_from).total_seconds()
    sql(
        "WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM people "
        "           WHERE role = 'cadre' AND region_code LIKE :p), "
        "picked AS (SELECT g, c.ids[1 + floor(random() * cardinality(c.ids))::int] AS person, "
        "           random() AS r, random() AS d FROM generate_series(1, :n) g CROSS JOIN c), "
        "rows AS (SELECT g, person, r, :start + make_interval(secs => d * :span) AS due "
        "         FROM picked) "
        "INSERT INTO actions (program_id, title, assignee_id, kelurahan_code, network_id, due_at, "
        "status, completed_at, completed_by_id, people_reached, public_code, created_at, "
        "updated_at) "
        "SELECT :prog, 'Penyuluhan ' || g, rows.person, p.region_code, pn.network_id, rows.due, "
        "CASE WHEN r < :done THEN 'done' WHEN r < :done + :cancelled THEN 'cancelled' "
        "     ELSE 'open' END, "
        "CASE WHEN r < :done THEN rows.due - interval '1 hour' END, "
        "CASE WHEN r < :done THEN rows.person END, "
        "CASE WHEN r < :done THEN (r * 1000)::int % 60 END, "
        "'X' || lpad(to_hex(:base + g), 7, '0'), rows.due - :ahead, rows.due - :ahead "
        "FROM rows JOIN people p ON p.id = rows.person "
        "LEFT JOIN person_networks pn ON pn.person_id = rows.person ORDER BY g",
        p=prefix + "%", n=count, start=naive(due_from), span=span, prog=program_id, done=done,
        cancelled=cancelled, base=base, ahead=created_before_due)


def add_action_history(now: datetime) -> None:
    """The outbox rows the actions' past would have left, already published and handled:
    ActionAssigned for each, ActionCompleted for the done, ActionOverdue for the open past due."""
    for kind, where in (("ActionAssigned", "true"), ("ActionCompleted", "a.status = 'done'"),
                        ("ActionOverdue", "a.status = 'open' AND a.due_at < :now")):
        sql(
            "INSERT INTO events (type, aggregate_type, aggregate_id, payload, created_at, "
            "published_at, handled_at) SELECT :kind, 'action', a.id, json_build_object("
            "'action_id', a.id, 'program_id', a.program_id, 'kelurahan_code', a.kelurahan_code), "
            f"a.created_at, a.created_at, a.created_at FROM actions a WHERE {where} ORDER BY a.id",
            kind=kind, now=naive(now))
    for handler in ("rollups", "notifications"):
        sql("INSERT INTO processed_events (event_id, handler, processed_at) "
            "SELECT id, :h, created_at FROM events", h=handler)
    sql("INSERT INTO action_overdue_marks (action_id, due_at, marked_at) "
        "SELECT id, due_at, due_at FROM actions WHERE status = 'open' AND due_at < :now",
        now=naive(now))


def add_case_stats(prefix: str) -> None:
    """Monthly counts for every indicator and kelurahan under ``prefix``, 2021 and 2022."""
    seeded()
    sql(
        "INSERT INTO case_stats (kelurahan_code, indicator_id, month, count, recorded_at) "
        "SELECT r.code, i.id, m::date, floor(random() * 4)::int, now() FROM regions r "
        "CROSS JOIN indicators i CROSS JOIN generate_series(date '2021-01-01', date '2022-10-01', "
        "interval '1 month') m WHERE r.level = 'kelurahan' AND r.code LIKE :p", p=prefix + "%")


def analyze() -> None:
    db.session.commit()
    for table in ("people", "person_networks", "actions", "events", "processed_events",
                  "notifications", "program_rollups", "rollup_action_states", "case_stats"):
        sql(f"ANALYZE {table}")
    db.session.commit()


def open_action_ids(program_id: int, prefix: str, limit: int) -> list[int]:
    return list(db.session.scalars(text(
        "SELECT id FROM actions WHERE program_id = :p AND status = 'open' AND kelurahan_code "
        "LIKE :k ORDER BY id LIMIT :n"), {"p": program_id, "k": prefix + "%", "n": limit}))
