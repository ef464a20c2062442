"""The hostile-file corpus through both imports (cadres: web and API; case statistics: web):
every file is refused with a clear 4xx that names it, nothing is written, and the server keeps
answering ``/healthz`` while bombs are being read."""
from __future__ import annotations

import io
import resource
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import AuditEntry, CaseStat, Person
from tests.api.conftest import World, world  # noqa: F401 - the fixture
from tests.security.hostile_files import CORPUS
from tests.support import logged_in_session
from tests.web.conftest import csrf_token

FILES = {filename: (label, make) for label, filename, make in CORPUS}


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    """Every hostile file, generated once (a few seconds: the bombs are built in memory)."""
    return {filename: make() for filename, (_label, make) in FILES.items()}


def staff_client(app: Flask, person: Person) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(logged_in_session(person))
    return client


def written() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(Person)) or 0,
            db.session.scalar(select(func.count()).select_from(CaseStat)) or 0,
            db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def upload(client: FlaskClient, url: str, filename: str, data: bytes, **fields: str) -> Any:
    token = csrf_token(client.get(url).text) if not url.startswith("/api/") else None
    form: dict[str, Any] = {"file": (io.BytesIO(data), filename), **fields}
    if token:
        form["csrf_token"] = token
    return client.post(url, data=form, content_type="multipart/form-data")


@pytest.mark.parametrize("filename", list(FILES))
def test_hostile_file_is_refused_clearly_by_every_import(
    world: World, corpus: dict[str, bytes], filename: str  # noqa: F811
) -> None:
    data, before = corpus[filename], written()
    lead = world.people["kec_lead"]
    lead.language = "en"
    db.session.commit()
    app = world.client.application

    api = world.call("kec_lead", "POST", "/people/import",
                     data={"file": (io.BytesIO(data), filename), "commit": "true"},
                     content_type="multipart/form-data")
    assert api.status_code in (413, 422), (filename, api.status_code, api.json)
    assert api.json["error"]["code"] in ("invalid_input", "too_large")
    assert filename in api.json["error"]["message"] or api.status_code == 413

    web = staff_client(app, lead)
    page = upload(web, "/orang/impor/", filename, data)
    assert page.status_code in (400, 413), (filename, page.status_code)
    assert filename in page.text or page.status_code == 413
    assert "nothing will be imported" in page.text or page.status_code == 413

    stats = upload(web, "/statistik/impor", filename, data, month="2022-03")
    assert stats.status_code in (400, 413), (filename, stats.status_code)
    assert filename in stats.text or stats.status_code == 413
    assert "nothing will be saved" in stats.text or stats.status_code == 413

    assert written() == before, filename
    kept = [p for p in Path(app.instance_path).rglob("*")
            if p.is_file() and p.parent.name in ("uploads", "case-stat-imports")]
    assert not kept, kept


def test_a_file_above_the_import_limit_is_refused_before_it_is_read(world: World) -> None:  # noqa: F811
    big = b"name,phone,kelurahan,network\n" + b"x" * (6 * 1024 * 1024)
    api = world.call("kec_lead", "POST", "/people/import",
                     data={"file": (io.BytesIO(big), "big.csv")}, content_type="multipart/form-data")
    assert api.status_code == 413 and api.json["error"]["code"] == "too_large"
    web = staff_client(world.client.application, world.people["kec_lead"])
    page = upload(web, "/orang/impor/", "big.csv", big)
    assert page.status_code == 413
    assert "5 MB" in page.text


@pytest.fixture
def served(world: World, live_server: str) -> Iterator[str]:  # noqa: F811
    yield live_server


def test_bombs_in_parallel_leave_healthz_answering(
    world: World, corpus: dict[str, bytes], served: str  # noqa: F811
) -> None:
    bombs = ["dimensions.xlsx", "zipbomb.xlsx", "forged.xlsx", "rows.xlsx", "strings.xlsx",
             "laughs.xlsx", "nodim.xlsx", "rows.csv"]
    token = world.tokens["kec_lead"]
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    statuses: list[int] = []

    def send(name: str) -> None:
        for _ in range(2):
            response = requests.post(f"{served}/api/v1/people/import", timeout=60,
                                     headers={"Authorization": f"Bearer {token}"},
                                     files={"file": (name, corpus[name])}, data={"commit": "true"})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(name,)) for name in bombs]
    for thread in threads:
        thread.start()
    probes: list[float] = []
    while any(t.is_alive() for t in threads):
        start = time.monotonic()
        assert requests.get(f"{served}/healthz", timeout=10).status_code == 200
        probes.append(time.monotonic() - start)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [422], statuses
    assert max(probes, default=0) < 3.0, probes
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mb < 300, f"the server's peak memory grew by {grown_mb:.0f} MB"
