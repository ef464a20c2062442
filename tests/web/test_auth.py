"""Login, lockout, logout, password change and the language switch, all with CSRF on."""
from __future__ import annotations

from datetime import timedelta

from coordinator.domain.people import check_password
from coordinator.extensions import db
from coordinator.models import utcnow
from tests.web.conftest import PASSWORD, World, csrf_token, login, post_form


def test_lead_logs_in_and_lands_on_a_staff_page(client, world: World) -> None:
    response = login(client, "LEAD@example.org")
    assert response.status_code == 303
    assert "/login" not in response.headers["Location"]


def test_cadre_lands_on_tugas_saya(client, world: World) -> None:
    response = login(client, world.cadre.email)
    assert response.headers["Location"].endswith("/tugas/")


def test_wrong_password_says_so_in_indonesian_and_writes_nothing(client, world: World) -> None:
    response = login(client, world.lead.email, "salah-sekali-123")
    assert response.status_code == 200
    assert "Email atau kata sandi salah." in response.text
    db.session.refresh(world.lead)
    assert world.lead.failed_logins == 0 and world.lead.locked_until is None


def test_login_post_without_csrf_token_is_refused_kindly(client, world: World) -> None:
    response = client.post("/login", data={"email": world.lead.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir Anda kedaluwarsa" in response.text
    assert client.get("/tugas/").status_code == 302  # still anonymous


def test_an_address_that_guessed_too_often_is_held_back_even_with_the_right_password(
    client, world: World
) -> None:
    limit = client.application.extensions["sinergi"].login_max_failures
    for _ in range(limit):
        login(client, world.lead.email, "salah-sekali-123")
    response = login(client, world.lead.email)
    assert response.status_code == 200
    assert "Terlalu banyak" in response.text


def test_a_stranger_guessing_cannot_lock_the_owner_out(client, world: World) -> None:
    stranger = client.application.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    limit = client.application.extensions["sinergi"].login_max_failures
    for _ in range(limit + 2):
        login(stranger, world.lead.email, "salah-sekali-123")
    assert "Terlalu banyak" in login(stranger, world.lead.email).text
    assert login(client, world.lead.email).status_code == 303  # the owner, elsewhere


def test_the_hold_back_ends_after_fifteen_minutes(client, world: World) -> None:
    import time_machine

    limit = client.application.extensions["sinergi"].login_max_failures
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(limit):
            login(client, world.lead.email, "salah-sekali-123")
        assert "Terlalu banyak" in login(client, world.lead.email).text
        traveller.shift(timedelta(minutes=16))
        assert login(client, world.lead.email).status_code == 303


def test_an_unknown_email_costs_as_much_time_as_a_wrong_password(client, world: World) -> None:
    import time

    def timed(email: str) -> float:
        start = time.perf_counter()
        login(client, email, "salah-sekali-123")
        return time.perf_counter() - start

    timed(world.lead.email)  # warm up
    known = min(timed(world.lead.email) for _ in range(3))
    unknown = min(timed(f"nobody{i}@example.org") for i in range(3))
    assert unknown > known * 0.5, (known, unknown)  # both pay one scrypt (was 9 ms vs 150 ms)


def test_logout_ends_the_session(client, world: World) -> None:
    login(client, world.lead.email)
    page = client.get("/tugas/")
    response = client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    again = client.get("/tugas/")
    assert again.status_code == 302 and again.headers["Location"].startswith("/login")


def test_password_change_checks_the_current_password(client, world: World) -> None:
    login(client, world.lead.email)
    wrong = post_form(client, "/password", {"current_password": "bukan-ini-123",
                                            "new_password": "baru-sekali-456",
                                            "confirm": "baru-sekali-456"})
    assert wrong.status_code == 200 and "Kata sandi saat ini salah." in wrong.text
    ok = post_form(client, "/password", {"current_password": PASSWORD,
                                         "new_password": "baru-sekali-456",
                                         "confirm": "baru-sekali-456"})
    assert ok.status_code == 303
    db.session.refresh(world.lead)
    assert check_password(world.lead, "baru-sekali-456")


def test_password_change_rejects_a_short_or_mismatched_password(client, world: World) -> None:
    login(client, world.lead.email)
    response = post_form(client, "/password", {"current_password": PASSWORD,
                                               "new_password": "pendek", "confirm": "lain"})
    assert response.status_code == 200
    assert "Minimal 10 karakter." in response.text
    db.session.refresh(world.lead)
    assert check_password(world.lead, PASSWORD)


def test_language_switch_to_english_is_kept_on_the_person(client, world: World) -> None:
    login(client, world.lead.email)
    response = post_form(client, "/language", {"language": "en", "next": "/tugas/"},
                         form_url="/tugas/")
    assert response.headers["Location"].endswith("/tugas/")
    assert "My tasks" in client.get("/tugas/").text
    db.session.refresh(world.lead)
    assert world.lead.language == "en"


def test_unknown_language_changes_nothing(client, world: World) -> None:
    response = post_form(client, "/language", {"language": "fr"}, form_url="/login",
                         follow_redirects=True)
    assert "Bahasa tidak dikenal." in response.text


def test_next_parameter_never_leaves_the_site(client, world: World) -> None:
    page = client.get("/login")
    response = client.post("/login?next=https://evil.example/", data={
        "email": world.lead.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)})
    assert "evil.example" not in response.headers["Location"]


def test_home_sends_logged_in_people_to_their_start_page(client, world: World) -> None:
    assert client.get("/").status_code == 200
    login(client, world.cadre.email)
    assert client.get("/").headers["Location"].endswith("/tugas/")


def test_anonymous_visitor_can_read_the_site_in_english(client, world: World) -> None:
    response = post_form(client, "/language", {"language": "en", "next": "/"}, form_url="/login")
    assert response.headers["Location"].endswith("/")
    page = client.get("/").text
    assert "Active programs" in page and 'lang="en"' in page
