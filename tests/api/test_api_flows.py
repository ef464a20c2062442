"""API flows: bulk with preview and idempotent resubmit, cursor pages and filters, completion,
the people import, and the local OpenAPI docs."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Action, Person
from tests.api.conftest import World
from tests.domain.factories import TAMBORA, kelurahan_of, make_action, network


def count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def test_bulk_assignment_to_tambora_pkk_previews_then_creates_once(world: World) -> None:
    kelurahan = kelurahan_of(TAMBORA)
    pkk = network("pkk").id
    cadres_a = 2  # cadre and other_cadre_a, both PKK in kelurahan A; the others have none
    expected = cadres_a + (len(kelurahan) - 1)
    body = {"program_id": world.program_a.id, "network_ids": [pkk], "region_codes": [TAMBORA],
            "due_date": "2030-03-15", "due_time": "16:00", "title": "Penyuluhan PKK",
            "idempotency_key": "tambora-pkk-2030-03"}
    before = count(Action)
    preview = world.call("kec_lead", "POST", "/actions/bulk", json={**body, "preview": True})
    assert preview.status_code == 200, preview.json
    assert preview.json["summary"] == f"{expected} actions for 2 cadres in {len(kelurahan)} kelurahan"
    assert preview.json["occurrences"] == ["2030-03-15T09:00:00+00:00"]  # 16:00 WIB
    assert count(Action) == before
    created = world.call("kec_lead", "POST", "/actions/bulk", json=body)
    assert created.status_code == 201 and created.json["created"] == expected
    again = world.call("kec_lead", "POST", "/actions/bulk", json=body)
    assert again.status_code == 200 and again.json["already_submitted"] is True
    assert count(Action) == before + expected


def test_cursor_pages_cover_every_action_once_and_filters_apply(world: World) -> None:
    kel = world.kel_a
    for days in range(1, 6):
        make_action(world.program_a, kel, world.people["cadre"], due_in=timedelta(days=days))
    overdue = make_action(world.program_a, kel, world.people["cadre"], due_in=timedelta(days=-2))
    seen, cursor, pages = [], None, 0
    while True:
        query = "/actions?limit=2&kecamatan=" + TAMBORA + (f"&cursor={cursor}" if cursor else "")
        body = world.call("kec_lead", "GET", query).json
        seen += [a["id"] for a in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7 and pages == 4
    only_overdue = world.call("kec_lead", "GET", "/actions?overdue=true").json["items"]
    assert [a["id"] for a in only_overdue] == [overdue.id] and only_overdue[0]["overdue"]
    mine = world.call("cadre", "GET", "/actions?status=open").json["items"]
    assert {a["assignee_id"] for a in mine} == {world.people["cadre"].id}
    elsewhere = world.call("kec_lead", "GET", "/actions?kecamatan=31.73.01").json["items"]
    assert elsewhere == []


def test_completing_twice_says_nothing_changed(world: World) -> None:
    path = f"/actions/{world.action_a.id}/complete"
    first = world.call("cadre", "POST", path, json={"note": "Selesai", "people_reached": 14})
    second = world.call("cadre", "POST", path, json={"people_reached": 3})
    assert first.json["changed"] is True and second.json["changed"] is False
    assert second.json["action"]["people_reached"] == 14
    assert "nothing changed" in second.json["message"]


def test_creating_an_action_needs_an_aware_due_date(world: World) -> None:
    body = {"program_id": world.program_a.id, "kelurahan_code": world.kel_a, "title": "Rapat",
            "due_at": "2030-03-15T10:00:00"}
    naive = world.call("coordinator", "POST", "/actions", json=body)
    assert naive.status_code == 422 and "due_at" in naive.json["error"]["fields"]
    due = datetime(2030, 3, 15, 3, tzinfo=UTC).isoformat()
    created = world.call("coordinator", "POST", "/actions", json={**body, "due_at": due})
    assert created.status_code == 201 and len(created.json["public_code"]) >= 4


def upload(world: World, role: str, csv: str, commit: bool) -> object:
    data = {"file": (io.BytesIO(csv.encode()), "kader.csv"), "commit": str(commit).lower()}
    return world.call(role, "POST", "/people/import", data=data, content_type="multipart/form-data")


def test_importing_people_previews_commits_and_refuses_broken_files(world: World) -> None:
    good = f"nama,hp,kelurahan,jaringan\nRina,0812 5555 0001,{world.kel_a},PKK\n"
    before = count(Person)
    preview = upload(world, "coordinator", good, commit=False)
    assert preview.status_code == 200 and preview.json["valid"] and count(Person) == before  # type: ignore[attr-defined]
    broken = good + f"Rini,0812 5555 0001,{world.kel_a},PKK\n"
    refused = upload(world, "coordinator", broken, commit=True)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "line 3: phone" in refused.json["error"]["fields"]  # type: ignore[attr-defined]
    assert count(Person) == before
    done = upload(world, "coordinator", good, commit=True)
    assert done.status_code == 201 and len(done.json["created_ids"]) == 1  # type: ignore[attr-defined]
    missing_file = world.call("coordinator", "POST", "/people/import", data={"commit": "true"},
                              content_type="multipart/form-data")
    assert missing_file.status_code == 422 and "file" in missing_file.json["error"]["fields"]


def test_openapi_and_docs_are_served_locally(world: World) -> None:
    spec = world.client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and "/api/v1/actions/bulk" in spec.json["paths"]
    docs = world.client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/static/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
    assert world.client.get("/api/v1/static/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_regions_tree_and_detail(world: World) -> None:
    tree = world.call("kec_lead", "GET", "/regions").json
    assert tree[0]["code"] == TAMBORA and len(tree[0]["children"]) == len(kelurahan_of(TAMBORA))
    detail = world.call("cadre", "GET", f"/regions/{world.kel_a}").json
    assert detail["parent"]["code"] == TAMBORA
    assert world.call("cadre", "GET", "/regions/99.99").status_code == 404


def test_import_errors_speak_the_callers_language_and_huge_files_are_413(world: World) -> None:
    bad = "nama,hp,kelurahan,jaringan\nRina,12,Atlantis,PKK\n"
    indonesian = upload(world, "coordinator", bad, commit=False).json  # type: ignore[attr-defined]
    by_column = {e["column"]: e["message"] for e in indonesian["errors"]}
    assert by_column["kelurahan"].startswith("Kelurahan “Atlantis” tidak dikenal")
    world.people["coordinator"].language = "en"
    db.session.commit()
    english = upload(world, "coordinator", bad, commit=False).json  # type: ignore[attr-defined]
    by_column = {e["column"]: e["message"] for e in english["errors"]}
    assert by_column["kelurahan"].startswith("Unknown kelurahan “Atlantis”")
    huge = upload(world, "coordinator", "x" * (6 * 1024 * 1024), commit=False)
    assert huge.status_code == 413 and huge.json["error"]["code"] == "too_large"  # type: ignore[attr-defined]


def test_lists_hold_nothing_from_outside_the_scope(world: World) -> None:
    def ids(role: str, path: str) -> set[int]:
        return {item["id"] for item in world.call(role, "GET", path).json["items"]}

    p = world.people
    assert ids("kec_lead", "/programs") == {world.program_a.id}
    assert ids("city_lead", "/programs") == {world.program_a.id, world.program_b.id}
    assert ids("coordinator", "/actions") == {world.action_a.id}
    assert ids("coordinator", "/people") == {p["coordinator"].id, p["cadre"].id, p["other_cadre_a"].id}
    assert ids("cadre", "/people") == {p["cadre"].id}
    pkk = network("pkk").id
    assert ids("kec_lead", f"/people?network_id={pkk}&role=cadre") == {
        p["cadre"].id, p["other_cadre_a"].id}
    first = world.call("admin", "GET", "/people?limit=3").json
    rest = world.call("admin", "GET", f"/people?limit=50&cursor={first['next_cursor']}").json
    assert len(first["items"]) == 3 and rest["next_cursor"] is None
    assert len(first["items"]) + len(rest["items"]) == len(p)


def test_bulk_preview_names_who_gets_what_and_a_past_due_date_is_422(world: World) -> None:
    pkk = network("pkk").id
    body = {"program_id": world.program_a.id, "network_ids": [pkk], "region_codes": [TAMBORA],
            "due_date": "2030-03-15", "title": "Penyuluhan PKK", "preview": True}
    preview = world.call("kec_lead", "POST", "/actions/bulk", json=body)
    assert preview.status_code == 200, preview.json
    [tambora] = preview.json["areas"]
    first = tambora["kelurahan"][0]
    assert first["code"] == world.kel_a and len(first["cadres"]) == 2
    assert all(k["unassigned_networks"] == ["PKK"] for k in tambora["kelurahan"][1:])
    yesterday = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    before = count(Action)
    for preview_only in (True, False):
        past = world.call("kec_lead", "POST", "/actions/bulk",
                          json={**body, "due_date": yesterday, "preview": preview_only})
        assert past.status_code == 422, past.json
        assert past.json["error"]["code"] == "invalid_input"
        assert "past" in past.json["error"]["fields"]["due_date"][0]
    assert count(Action) == before


def test_one_action_or_a_reschedule_into_the_past_is_422(world: World) -> None:
    before = count(Action)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    created = world.call("coordinator", "POST", "/actions", json={
        "program_id": world.program_a.id, "kelurahan_code": world.kel_a,
        "title": "Penyuluhan", "due_at": past})
    assert created.status_code == 422 and "due_at" in created.json["error"]["fields"]
    assert count(Action) == before
    action = make_action(world.program_a, world.kel_a, world.people["cadre"])
    moved = world.call("kec_lead", "POST", f"/actions/{action.id}/reschedule",
                       json={"due_at": past})
    assert moved.status_code == 422 and "due_at" in moved.json["error"]["fields"]
    db.session.refresh(action)
    assert action.due_at > datetime.now(UTC)
