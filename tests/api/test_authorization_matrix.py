"""THE authorization matrix: every API route x role x in-scope / out-of-scope object.

"in" objects live in Kecamatan Tambora (kelurahan A, the coordinator's and the cadre's own);
"out" objects live in Kecamatan Cengkareng. Admin and the city lead see both. Out of scope is
404 (never 403); in scope but not allowed is 403.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from coordinator.domain.actions import complete_action
from coordinator.models import ApiToken
from tests.api.conftest import ROLES, World
from tests.domain.factories import CENGKARENG, TAMBORA, make_action, make_person, make_program

_serial = itertools.count(1)
Cell = Callable[[World, str, str], Any]


def _side(w: World, scope: str) -> dict[str, Any]:
    if scope == "in":
        return {"kec": TAMBORA, "kel": w.kel_a, "program": w.program_a, "action": w.action_a,
                "cadre": w.people["cadre"], "other": w.people["other_cadre_a"]}
    return {"kec": CENGKARENG, "kel": w.kel_b, "program": w.program_b, "action": w.action_b,
            "cadre": w.people["cadre_b"], "other": w.people["other_cadre_b"]}


def _own_region(w: World, role: str, scope: str) -> str:
    """Where a role would create things: its own region when in scope."""
    if scope == "out":
        return CENGKARENG
    return w.kel_a if role in ("coordinator", "cadre") else TAMBORA


def fresh_action(w: World, scope: str, *, done: bool = False) -> int:
    side = _side(w, scope)
    action = make_action(side["program"], side["kel"], side["cadre"])
    if done:  # by the cadre: a cadre may take back only a completion they recorded
        complete_action(action.id, actor=side["cadre"])
    return action.id


def fresh_program(w: World, role: str, scope: str, *, active: bool) -> int:
    side = _side(w, scope)
    program = make_program(w.people["admin"], side["kec"], active=active)
    if active:  # an action for the cadre, so the cadre sees the program it may not close
        make_action(program, side["kel"], side["cadre"])
    return program.id


def closed_program(w: World, role: str, scope: str) -> int:
    from coordinator.domain.programs import close_program

    return close_program(fresh_program(w, role, scope, active=True), actor=None).id


def bulk_body(w: World, role: str, scope: str, preview: bool) -> dict[str, Any]:
    side = _side(w, scope)
    pkk = next(n.id for n in w.people["cadre"].networks)
    return {"program_id": side["program"].id, "network_ids": [pkk],
            "region_codes": [_own_region(w, role, scope)], "due_date": "2030-03-15",
            "title": "Penyuluhan warga", "preview": preview,
            "idempotency_key": f"matrix-{next(_serial):06d}"}


def person_target(w: World, role: str, scope: str) -> int:
    if scope == "in" and role == "cadre":
        return w.people["cadre"].id
    return _side(w, scope)["other"].id


def new_person_body(w: World, role: str, scope: str) -> dict[str, Any]:
    n = next(_serial)
    return {"name": f"Kader Baru {n}", "role": "cadre", "region_code": _side(w, scope)["kel"],
            "phone": f"0813{n:08d}"}


def import_file(w: World, scope: str) -> dict[str, Any]:
    import io

    n = next(_serial)
    csv = f"name,phone,kelurahan,network\nKader {n},0814{n:08d},{_side(w, scope)['kel']},pkk\n"
    return {"file": (io.BytesIO(csv.encode()), "kader.csv"), "commit": "false"}


def token_target(w: World, role: str, scope: str) -> int:
    if scope == "in":
        owner = w.people[role] if role != "anonymous" else w.people["cadre"]
    else:
        owner = w.people["other_cadre_b"]
    from coordinator.extensions import db
    from coordinator.models import utcnow

    token = ApiToken(person_id=owner.id, name="t", token_hash=f"{next(_serial):064d}",
                     created_at=utcnow())
    db.session.add(token)
    db.session.commit()
    return token.id


ROUTES: dict[str, Cell] = {
    "GET /programs": lambda w, r, s: w.call(r, "GET", "/programs"),
    "POST /programs": lambda w, r, s: w.call(r, "POST", "/programs", json={
        "title": "Baru", "public_title": "Kegiatan baru", "category": "prevention", "year": 2022,
        "region_code": _own_region(w, r, s)}),
    "GET /programs/<id>": lambda w, r, s: w.call(r, "GET", f"/programs/{_side(w, s)['program'].id}"),
    "PATCH /programs/<id>": lambda w, r, s: w.call(
        r, "PATCH", f"/programs/{_side(w, s)['program'].id}", json={"title": "Diubah"}),
    "POST /programs/<id>/activate": lambda w, r, s: w.call(
        r, "POST", f"/programs/{fresh_program(w, r, s, active=False)}/activate"),
    "POST /programs/<id>/close": lambda w, r, s: w.call(
        r, "POST", f"/programs/{fresh_program(w, r, s, active=True)}/close"),
    "POST /programs/<id>/reopen": lambda w, r, s: w.call(
        r, "POST", f"/programs/{closed_program(w, r, s)}/reopen"),
    "GET /actions": lambda w, r, s: w.call(r, "GET", "/actions"),
    "POST /actions": lambda w, r, s: w.call(r, "POST", "/actions", json={
        "program_id": _side(w, s)["program"].id, "kelurahan_code": _side(w, s)["kel"],
        "title": "Penyuluhan", "due_at": "2030-03-15T10:00:00+07:00"}),
    "POST /actions/bulk (preview)": lambda w, r, s: w.call(
        r, "POST", "/actions/bulk", json=bulk_body(w, r, s, True)),
    "POST /actions/bulk": lambda w, r, s: w.call(
        r, "POST", "/actions/bulk", json=bulk_body(w, r, s, False)),
    "GET /actions/<id>": lambda w, r, s: w.call(r, "GET", f"/actions/{_side(w, s)['action'].id}"),
    "POST /actions/<id>/complete": lambda w, r, s: w.call(
        r, "POST", f"/actions/{fresh_action(w, s)}/complete", json={"people_reached": 5}),
    "POST /actions/<id>/reopen": lambda w, r, s: w.call(
        r, "POST", f"/actions/{fresh_action(w, s, done=True)}/reopen"),
    "POST /actions/<id>/cancel": lambda w, r, s: w.call(
        r, "POST", f"/actions/{fresh_action(w, s)}/cancel"),
    "POST /actions/<id>/reassign": lambda w, r, s: w.call(
        r, "POST", f"/actions/{fresh_action(w, s)}/reassign",
        json={"assignee_id": _side(w, s)["other"].id}),
    "GET /people": lambda w, r, s: w.call(r, "GET", "/people"),
    "POST /people": lambda w, r, s: w.call(r, "POST", "/people", json=new_person_body(w, r, s)),
    "GET /people/<id>": lambda w, r, s: w.call(r, "GET", f"/people/{person_target(w, r, s)}"),
    "PATCH /people/<id>": lambda w, r, s: w.call(
        r, "PATCH", f"/people/{person_target(w, r, s)}", json={"rt": "7"}),
    "POST /people/<id>/deactivate": lambda w, r, s: w.call(
        r, "POST", f"/people/{make_person('cadre', _side(w, s)['kel']).id}/deactivate"),
    "POST /people/import": lambda w, r, s: w.call(
        r, "POST", "/people/import", data=import_file(w, s), content_type="multipart/form-data"),
    "GET /regions": lambda w, r, s: w.call(r, "GET", f"/regions?root={_side(w, s)['kec']}"),
    "GET /regions/<code>": lambda w, r, s: w.call(r, "GET", f"/regions/{_side(w, s)['kel']}"),
    "GET /networks": lambda w, r, s: w.call(r, "GET", "/networks"),
    "GET /tokens": lambda w, r, s: w.call(r, "GET", "/tokens"),
    "POST /tokens": lambda w, r, s: w.call(r, "POST", "/tokens", json={"name": "integrasi"}),
    "DELETE /tokens/<id>": lambda w, r, s: w.call(r, "DELETE", f"/tokens/{token_target(w, r, s)}"),
}

# (admin, city_lead, kec_lead, coordinator, cadre, anonymous): "in/out" statuses.
EXPECTED: dict[str, tuple[str, ...]] = {
    "GET /programs":                ("200/200", "200/200", "200/200", "200/200", "200/200", "401/401"),
    "POST /programs":               ("201/201", "201/201", "201/422", "403/422", "403/422", "401/401"),
    "GET /programs/<id>":           ("200/200", "200/200", "200/404", "200/404", "200/404", "401/401"),
    "PATCH /programs/<id>":         ("200/200", "200/200", "200/404", "403/404", "403/404", "401/401"),
    "POST /programs/<id>/activate": ("200/200", "200/200", "200/404", "403/404", "404/404", "401/401"),
    "POST /programs/<id>/close":    ("200/200", "200/200", "200/404", "403/404", "403/404", "401/401"),
    "POST /programs/<id>/reopen":   ("200/200", "200/200", "200/404", "403/404", "403/404", "401/401"),
    "GET /actions":                 ("200/200", "200/200", "200/200", "200/200", "200/200", "401/401"),
    "POST /actions":                ("201/201", "201/201", "201/404", "201/404", "403/404", "401/401"),
    "POST /actions/bulk (preview)": ("200/200", "200/200", "200/422", "403/422", "403/422", "401/401"),
    "POST /actions/bulk":           ("201/201", "201/201", "201/422", "403/422", "403/422", "401/401"),
    "GET /actions/<id>":            ("200/200", "200/200", "200/404", "200/404", "200/404", "401/401"),
    "POST /actions/<id>/complete":  ("200/200", "200/200", "200/404", "200/404", "200/404", "401/401"),
    "POST /actions/<id>/reopen":    ("200/200", "200/200", "200/404", "200/404", "200/404", "401/401"),
    "POST /actions/<id>/cancel":    ("200/200", "200/200", "200/404", "200/404", "403/404", "401/401"),
    "POST /actions/<id>/reassign":  ("200/200", "200/200", "200/404", "200/404", "403/404", "401/401"),
    "GET /people":                  ("200/200", "200/200", "200/200", "200/200", "200/200", "401/401"),
    "POST /people":                 ("201/201", "201/201", "201/422", "201/422", "403/422", "401/401"),
    "GET /people/<id>":             ("200/200", "200/200", "200/404", "200/404", "200/404", "401/401"),
    "PATCH /people/<id>":           ("200/200", "200/200", "200/404", "200/404", "403/404", "401/401"),
    "POST /people/<id>/deactivate": ("200/200", "200/200", "200/404", "200/404", "404/404", "401/401"),
    "POST /people/import":          ("200/200", "200/200", "200/200", "200/200", "403/403", "401/401"),
    "GET /regions":                 ("200/200", "200/200", "200/200", "200/200", "200/200", "401/401"),
    "GET /regions/<code>":          ("200/200", "200/200", "200/200", "200/200", "200/200", "401/401"),
    "GET /networks":                ("200/200", "200/200", "200/200", "200/200", "200/200", "401/401"),
    "GET /tokens":                  ("200/200", "200/200", "200/200", "200/200", "200/200", "401/401"),
    "POST /tokens":                 ("201/201", "201/201", "201/201", "201/201", "201/201", "401/401"),
    "DELETE /tokens/<id>":          ("204/404", "204/404", "204/404", "204/404", "204/404", "401/401"),
}


def test_every_route_role_and_scope_gets_its_status(world: World) -> None:
    assert set(ROUTES) == set(EXPECTED)
    actual: dict[str, tuple[str, ...]] = {}
    for route, cell in ROUTES.items():
        actual[route] = tuple(
            "/".join(str(cell(world, role, scope).status_code) for scope in ("in", "out"))
            for role in ROLES
        )
    mismatches = {r: (EXPECTED[r], actual[r]) for r in ROUTES if actual[r] != EXPECTED[r]}
    assert not mismatches, "\n".join(f"{r}: expected {e}, got {a}" for r, (e, a) in mismatches.items())
