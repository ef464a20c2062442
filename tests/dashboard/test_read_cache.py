"""The read cache (``coordinator.read_cache``) as its users meet it: a dashboard or an API
answer, and who a session or a token is, are built once while nothing is written; any write
(this process, another engine, a worker) retires them, so a logout, a revoked token or a
deactivation stops the next request; the clock ends a session or a token even when it was
kept; nothing is shared between people, and without Redis nothing is kept. Statements are
counted, never timed."""
from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text, update
from sqlalchemy.pool import NullPool

from coordinator import read_cache
from coordinator.domain import sessions
from coordinator.domain.sessions import end_all_sessions, person_for_token
from coordinator.extensions import db
from coordinator.models import ApiToken, Person, Program, utcnow
from tests.api.conftest import give_token
from tests.dashboard.conftest import World
from tests.dashboard.test_queries_once_per_request import statements
from tests.rollups.conftest import add_person
from tests.support import FreshGClient, logged_in_session

DASHBOARD = "/dashboard?region=31.73"
INDICATORS = "/api/v1/rollups/indicators?region=31.73"


@pytest.fixture
def app(make_app: Callable[..., Flask], redis_url: str) -> Iterator[Flask]:
    """The test app with Redis, so reads are kept (without it nothing is)."""
    app = make_app(redis_url=redis_url)
    with app.app_context():
        yield app
        db.session.rollback()


def _reads(seen: list[tuple[str, str]]) -> list[str]:
    """Statements beyond the login's own (who is asking)."""
    return [s for s, _ in seen if "web_sessions" not in s and "api_tokens" not in s]


def _rename_program(world: World, title: str) -> None:
    db.session.execute(update(Program).where(Program.id == world.program.id).values(title=title))
    db.session.commit()


def test_a_kept_dashboard_reads_nothing_and_any_write_retires_it(
    dash_world: World, login_as: Callable[[Person], FlaskClient], database_url: str
) -> None:
    client = login_as(dash_world.lead)
    first = client.get(DASHBOARD).get_data(as_text=True)
    with statements() as seen:
        again = client.get(DASHBOARD)
    assert again.status_code == 200
    assert _reads(seen) == []
    assert again.get_data(as_text=True).count("Sosialisasi pencegahan") == \
        first.count("Sosialisasi pencegahan") > 0

    _rename_program(dash_world, "Renamed in this process")
    assert "Renamed in this process" in client.get(DASHBOARD).get_data(as_text=True)

    # Another engine (a worker, the CLI): its connection going back to its pool bumps too.
    db.session.commit()  # the requests shared the test's session: end its read (SQLite)
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE programs SET title = 'Renamed by a worker' WHERE id = :id"),
                     {"id": dash_world.program.id})
    engine.dispose()
    db.session.expire_all()  # the shared session still holds the program the fixture built
    assert "Renamed by a worker" in client.get(DASHBOARD).get_data(as_text=True)


def test_the_note_form_keeps_its_own_csrf_token_and_a_bad_query_is_told_every_time(
    dash_world: World, login_as: Callable[[Person], FlaskClient]
) -> None:
    client = login_as(dash_world.lead)
    client.get(DASHBOARD)
    page = client.get(DASHBOARD).get_data(as_text=True)
    assert 'name="csrf_token"' in page and "Pin a note" in page
    for _ in range(2):
        page = client.get(DASHBOARD + "&period=abc").get_data(as_text=True)
        assert "period must be a number" in page


def test_kept_answers_are_never_shared_between_people_and_a_revoked_token_stops_at_once(
    dash_world: World, app: Flask
) -> None:
    lead_token = give_token(dash_world.lead)
    other = add_person("Lead Jakarta Pusat", "lead", "31.71")
    other_token = give_token(other)
    db.session.commit()
    client = app.test_client()
    lead = {"Authorization": f"Bearer {lead_token}"}
    client.get(INDICATORS, headers=lead)  # its first use writes the token's last use
    answer = client.get(INDICATORS, headers=lead)
    assert answer.status_code == 200
    with statements() as seen:
        kept = client.get(INDICATORS, headers=lead)
    assert (kept.status_code, kept.get_data()) == (200, answer.get_data())
    assert seen == [], "the answer and who the token is were both kept"
    assert sorted(kept.headers.keys()) == sorted(answer.headers.keys())  # none twice or lost
    assert "X-RateLimit-Remaining" in kept.headers

    outside = client.get(INDICATORS, headers={"Authorization": f"Bearer {other_token}"})
    assert outside.status_code == 404  # another city's lead: not in their scope

    db.session.execute(update(ApiToken).where(ApiToken.person_id == dash_world.lead.id)
                       .values(revoked_at=ApiToken.created_at))
    db.session.commit()
    assert client.get(INDICATORS, headers=lead).status_code == 401


def test_a_kept_login_reads_nothing_and_ends_with_its_time_or_signing_out_everywhere(
    dash_world: World, login_as: Callable[[Person], FlaskClient]
) -> None:
    client = login_as(dash_world.lead)
    client.get(DASHBOARD)
    with statements() as seen:
        assert client.get(DASHBOARD).status_code == 200
    assert seen == [], "the page and the session's person were kept"

    # No write announces the end of a session's life: the kept session's own end is checked.
    with pytest.MonkeyPatch.context() as later:
        later.setattr(sessions, "utcnow", lambda: utcnow() + timedelta(days=400))
        with statements() as seen:
            ended = client.get(DASHBOARD)
        assert ended.status_code == 302 and "/login" in ended.headers["Location"]
        assert seen == [], "refused from what was kept"
    assert client.get(DASHBOARD).status_code == 200

    end_all_sessions(dash_world.lead, actor=None, reason="sign_out_everywhere")  # commits
    gone = client.get(DASHBOARD)
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]


def test_a_kept_token_stops_when_its_person_is_deactivated_or_its_time_is_up(
    dash_world: World, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = give_token(dash_world.lead)
    ends = utcnow() + timedelta(days=1)
    db.session.execute(update(ApiToken).where(ApiToken.person_id == dash_world.lead.id)
                       .values(expires_at=ends, last_used_at=utcnow()))
    db.session.commit()
    client = app.test_client()
    lead = {"Authorization": f"Bearer {token}"}
    assert client.get(INDICATORS, headers=lead).status_code == 200
    with statements() as seen:
        assert client.get(INDICATORS, headers=lead).status_code == 200
    assert seen == []

    # No write announces the end of a token's life: the kept token's own end is checked.
    monkeypatch.setattr(sessions, "utcnow", lambda: ends + timedelta(seconds=1))
    with statements() as seen:
        assert client.get(INDICATORS, headers=lead).status_code == 401
    assert seen == [], "refused from what was kept"
    monkeypatch.undo()

    assert client.get(INDICATORS, headers=lead).status_code == 200
    db.session.execute(update(Person).where(Person.id == dash_world.lead.id).values(active=False))
    db.session.commit()
    assert client.get(INDICATORS, headers=lead).status_code == 401


def test_a_kept_person_joins_each_request_as_its_own_and_loads_the_rest_on_use(
    dash_world: World, app: Flask
) -> None:
    token = give_token(dash_world.lead)
    lead_id, email = dash_world.lead.id, dash_world.lead.email
    person_for_token(token)  # its first use writes the token's last use
    with app.test_request_context("/api/v1/me"):
        app.preprocess_request()  # reads the data version, as every GET does
        first = person_for_token(token)
        assert first is not None
        kept = read_cache.lookup(("token", sessions.secret_hash(token)))
    db.session.rollback()
    db.session.expunge_all()  # the next request's session starts empty
    with app.test_request_context("/api/v1/me"):
        app.preprocess_request()
        with statements() as seen:
            again = person_for_token(token)
        assert again is not None and seen == []
        person = again.person
        assert person in db.session and person is not kept.person
        assert inspect(kept.person).detached, "the kept copy is shared, never attached"
        with statements() as seen:
            assert person.email == email  # not in the narrow row: loads now
        assert seen
        person.phone = "+6281234567890"  # and it can be changed like any loaded person
        db.session.commit()
    assert db.session.scalar(text("SELECT phone FROM people WHERE id = :id"),
                             {"id": lead_id}) == "+6281234567890"

    with app.test_request_context("/api/v1/me"):
        app.preprocess_request()
        assert person_for_token(token) is not None  # kept again after that write
    db.session.expunge_all()
    with app.test_request_context("/api/v1/me"):
        app.preprocess_request()
        held = db.session.get(Person, lead_id)
        assert held is not None
        held.name = "Changed, not yet flushed"
        with statements() as seen:
            found = person_for_token(token)  # the session holds the person: that one, as is
        assert found is not None and found.person is held and seen == []
        assert held.name == "Changed, not yet flushed"
    db.session.rollback()


def test_a_request_that_wrote_uses_no_kept_read_after_its_write(dash_world: World,
                                                                app: Flask) -> None:
    with app.test_request_context("/api/v1/me", method="POST"):
        app.preprocess_request()  # every request reads the version, a POST too
        read_cache.keep(("probe",), "kept before the write")
        assert read_cache.lookup(("probe",)) == "kept before the write"
        _rename_program(dash_world, "Written by this request")  # commits: its connection
        assert read_cache.lookup(("probe",)) is None  # ... went back to the pool
        read_cache.keep(("probe",), "kept after the write")
        assert read_cache.lookup(("probe",)) is None


def test_a_kept_read_expires_after_its_time_even_when_nothing_announced_a_write(
    dash_world: World, login_as: Callable[[Person], FlaskClient],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login_as(dash_world.lead)
    client.get(DASHBOARD)
    now = read_cache.time.monotonic()
    monkeypatch.setattr(read_cache.time, "monotonic", lambda: now + 61)
    with statements() as seen:
        assert client.get(DASHBOARD).status_code == 200
    assert _reads(seen), "an entry older than READ_CACHE_SECONDS is built again"


def test_without_an_answering_redis_nothing_is_kept_and_pages_still_work(
    dash_world: World, make_app: Callable[..., Flask]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"  # nobody listens there
    away = make_app(redis_url=url)
    away.test_client_class = FreshGClient
    client = away.test_client()
    with client.session_transaction() as session:
        session.update(logged_in_session(dash_world.lead))
    try:
        with away.app_context():
            for _ in range(2):
                with statements() as seen:
                    assert client.get(DASHBOARD).status_code == 200
                assert _reads(seen)
    finally:
        read_cache._versions.pop(url, None)  # later writes of this process need not try it


@pytest.mark.parametrize(("statement", "writes"), [
    ("SELECT 1", False),
    ("/* worklist */ SELECT count(*) FROM actions", False),
    ("  insert into events values (1)", True),
    ("WITH moved AS (UPDATE actions SET status = 'done' RETURNING id) SELECT 1", True),
    ("/* tag */ DELETE FROM actions", True),
    ("TRUNCATE actions", True),
    ("SET LOCAL synchronous_commit TO OFF", False),
    ("/* unterminated", False),
])
def test_what_counts_as_a_write(statement: str, writes: bool) -> None:
    assert read_cache._is_write(statement) is writes
