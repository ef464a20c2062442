"""B2: bulk assignment of one program to 100,000 cadres across DKI Jakarta (every network,
the whole province), against a raw INSERT ... SELECT of the same rows (actions, their audit
entries and their ActionAssigned events) in one transaction."""
from __future__ import annotations

import time

from bench import data
from bench.context import Context, app_on, run_child
from bench.data import sql
from bench.report import Row, ratio, secs

PROVINCE = "31"
MAX_ACTIONS = 100_000  # the domain's limit for one bulk assignment

RAW = [
    (
        "INSERT INTO actions (program_id, title, assignee_id, kelurahan_code, network_id, due_at, "
        "status, public_code, bulk_assignment_id, created_at, updated_at) "
        "SELECT :prog, 'Sosialisasi bulan April', p.id, p.region_code, pn.network_id, :due, 'open', "
        "'Y' || lpad(to_hex(row_number() OVER (ORDER BY p.region_code, pn.network_id, p.id)), 7, "
        "'0'), NULL, now(), now() FROM people p JOIN person_networks pn ON pn.person_id = p.id "
        "WHERE p.role = 'cadre' AND p.active AND p.region_code LIKE '31.%'"
    ),
    (
        "INSERT INTO actions (program_id, title, assignee_id, kelurahan_code, network_id, due_at, "
        "status, public_code, created_at, updated_at) "
        "SELECT :prog, 'Sosialisasi bulan April', NULL, r.code, n.id, :due, 'open', "
        "'Z' || lpad(to_hex(row_number() OVER (ORDER BY r.code, n.id)), 7, '0'), now(), now() "
        "FROM regions r CROSS JOIN networks n WHERE r.level = 'kelurahan' AND r.code LIKE '31.%' "
        "AND NOT EXISTS (SELECT 1 FROM people p JOIN person_networks pn ON pn.person_id = p.id "
        "WHERE p.region_code = r.code AND pn.network_id = n.id AND p.role = 'cadre' AND p.active)"
    ),
    (
        "INSERT INTO audit_entries (actor_id, operation, entity_type, entity_id, before, after, at) "
        "SELECT NULL, 'assign', 'action', a.id, NULL, json_build_object('status', 'open', "
        "'assignee_id', a.assignee_id, 'kelurahan_code', a.kelurahan_code, 'due_at', a.due_at), "
        "now() FROM actions a WHERE a.program_id = :prog"
    ),
    (
        "INSERT INTO events (type, aggregate_type, aggregate_id, payload, created_at) "
        "SELECT 'ActionAssigned', 'action', a.id, json_build_object('action_id', a.id, "
        "'program_id', a.program_id, 'kelurahan_code', a.kelurahan_code, 'assignee_id', "
        "a.assignee_id, 'network_id', a.network_id), now() FROM actions a WHERE a.program_id = :prog"
    ),
]


def run(ctx: Context) -> list[Row]:
    cadres = min(ctx.n(100_000, 100), MAX_ACTIONS)
    with ctx.database("b2") as url:
        with app_on(ctx, url):
            staff = data.add_staff(PROVINCE)
            data.add_cadres(cadres, PROVINCE + ".")
            program = data.add_program(staff.admin_id, PROVINCE, "Bulk bench")
            baseline_program = data.add_program(staff.admin_id, PROVINCE, "Raw baseline")
            networks = list(data.db.session.scalars(data.text("SELECT id FROM networks")))
            data.analyze()
        measured = run_child(ctx, "bulk", url, {
            "program_id": program, "network_ids": networks, "region_codes": [PROVINCE],
            "due_date": "2022-04-15", "title": "Sosialisasi bulan April"})
        with app_on(ctx, url):
            started = time.perf_counter()
            for statement in RAW:
                sql(statement, prog=baseline_program, due=data.naive(data.NOW))
            data.db.session.commit()
            raw = time.perf_counter() - started
            raw_rows = sql("SELECT count(*) FROM actions WHERE program_id = :p",
                           p=baseline_program).scalar_one()
    note = f"{measured['created']:,} actions; raw wrote {raw_rows:,}"
    if ctx.n(100_000) > MAX_ACTIONS:
        note += f"; capped at the domain's limit of {MAX_ACTIONS:,}"
    return [
        Row("B2", f"bulk assignment, {cadres:,} cadres of DKI Jakarta", secs(measured["seconds"]),
            f"{secs(raw)} raw INSERT…SELECT (actions + audit + events)",
            ratio(measured["seconds"], raw), "ratio ≤ 3", measured["seconds"] <= 3 * raw, note),
        Row("B2", "bulk assignment peak memory (process RSS)", f"{measured['peak_rss_mb']:.0f} MB",
            f"{measured['rss_before_mb']:.0f} MB before", note="information"),
    ]
