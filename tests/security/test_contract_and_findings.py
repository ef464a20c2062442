"""The OpenAPI contract is valid OpenAPI 3 with readable operationIds, and the lesser findings
of issue 11 stay fixed."""
from __future__ import annotations

import io
import re

from flask import Flask
from openapi_spec_validator import validate
from openpyxl import load_workbook
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import CaseStat, Indicator
from tests.api.conftest import World, world  # noqa: F401 - the fixture
from tests.support import FreshGClient, logged_in_session
from tests.web.conftest import csrf_token


def spec(app: Flask) -> dict:  # type: ignore[type-arg]
    return app.test_client().get("/api/v1/openapi.json").json  # type: ignore[no-any-return]


def test_the_openapi_document_is_valid_openapi_3(seeded: Flask) -> None:
    document = spec(seeded)
    validate(document)  # raises on anything a client generator would refuse
    assert document["openapi"].startswith("3.")


def test_every_operation_has_a_readable_unique_operation_id(seeded: Flask) -> None:
    ids = [op["operationId"] for path in spec(seeded)["paths"].values()
           for method, op in path.items() if method in ("get", "post", "patch", "delete", "put")]
    assert ids and len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+[A-Za-z]+", i) for i in ids), ids
    assert {"listActions", "completeAction", "importPeople", "bulkAssignActions"} <= set(ids)


def test_the_people_import_is_a_multipart_body(seeded: Flask) -> None:
    operation = spec(seeded)["paths"]["/api/v1/people/import"]["post"]
    assert "parameters" not in operation or all(p["in"] != "formData" for p in operation["parameters"])
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = spec(seeded)["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["file"] == {"type": "string", "format": "binary",
                                            "description": schema["properties"]["file"]["description"]}
    assert "commit" in schema["properties"]


def test_ids_in_paths_are_documented_as_32_bit(seeded: Flask) -> None:
    parameters = spec(seeded)["paths"]["/api/v1/actions/{action_id}"]["parameters"]
    assert parameters[0]["schema"]["maximum"] == 2**31 - 1


def test_a_cadre_with_a_password_cannot_read_case_statistics(world: World) -> None:  # noqa: F811
    response = world.call("cadre", "GET", "/case-stats?month=2022-03")
    assert response.status_code == 404
    assert world.call("coordinator", "GET", "/case-stats?month=2022-03").status_code == 200


def test_case_statistics_of_a_region_out_of_scope_are_404(world: World) -> None:  # noqa: F811
    assert world.call("kec_lead", "GET", "/case-stats?month=2022-03&region=31.73.01").status_code == 404
    assert world.call("kec_lead", "GET", "/case-stats?month=2022-03&region=99.99").status_code == 404
    assert world.call("kec_lead", "GET", "/case-stats?month=2022-03&region=31.73.04").status_code == 200
    assert world.call("kec_lead", "GET", "/case-stats?month=2022-03&region=31.73").status_code == 404


def test_the_public_home_page_names_no_program(world: World) -> None:  # noqa: F811
    world.program_a.title = "Pendampingan korban TPPO 2026"
    db.session.commit()
    page = world.client.application.test_client().get("/").text
    assert "Pendampingan" not in page and "TPPO 2026" not in page


def test_reassigning_to_an_id_from_elsewhere_tells_nothing(world: World) -> None:  # noqa: F811
    action = world.action_a.id
    elsewhere = world.call("coordinator", "POST", f"/actions/{action}/reassign",
                           json={"assignee_id": world.people["cadre_b"].id}).json
    missing = world.call("coordinator", "POST", f"/actions/{action}/reassign",
                         json={"assignee_id": 999_999}).json
    assert elsewhere["error"]["fields"] == missing["error"]["fields"]


def test_the_dashboard_export_writes_titles_as_text(world: World) -> None:  # noqa: F811
    world.program_a.title = '=HYPERLINK("http://evil.example","klik")'
    db.session.commit()
    app = world.client.application
    client = FreshGClient(app, app.response_class, use_cookies=True)
    with client.session_transaction() as session:
        session.update(logged_in_session(world.people["kec_lead"]))
    response = client.get(f"/dashboard/ekspor.xlsx?region=31.73.04&period={world.program_a.year}")
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert any(c.value == world.program_a.title for c in cells)
    assert all(c.data_type != "f" for c in cells)


def test_a_case_statistics_import_cannot_be_confirmed_by_someone_else(world: World) -> None:  # noqa: F811
    from openpyxl import Workbook

    app = world.client.application
    indicator = db.session.scalars(select(Indicator)).first()
    book = Workbook()
    book.active.append(["kelurahan", indicator.code])
    book.active.append([world.kel_a, 3])
    data = io.BytesIO()
    book.save(data)

    def browser(role: str) -> FreshGClient:
        client = FreshGClient(app, app.response_class, use_cookies=True)
        with client.session_transaction() as session:
            session.update(logged_in_session(world.people[role]))
        return client

    uploader, other = browser("kec_lead"), browser("city_lead")
    form = uploader.get("/statistik/impor")
    preview = uploader.post("/statistik/impor", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(form.text), "month": "2022-03",
        "file": (io.BytesIO(data.getvalue()), "maret.xlsx")})
    assert preview.status_code == 200, preview.text
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    page = other.get("/statistik/impor")
    stolen = other.post("/statistik/impor/simpan", data={
        "csrf_token": csrf_token(page.text), "token": token, "month": "2022-03"})
    assert stolen.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CaseStat)) == 0
    mine = uploader.post("/statistik/impor/simpan", data={
        "csrf_token": csrf_token(form.text), "token": token, "month": "2022-03"})
    assert mine.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CaseStat)) == 1
