"""The web world B1 and B7 share: Jakarta Barat with cadres, one big program, its history,
case statistics and rollups; a city lead with a password, an API token and a session."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import requests

from bench import data
from bench.app import action_key, db, recompute_all
from bench.context import Context

CITY = "31.73"


@dataclass
class WebWorld:
    staff: data.Staff
    program_id: int
    link_path: str  # a cadre's link to an open action
    complete_ids: list[int]  # open actions the write benchmark completes, one per request
    probe_ids: list[int]  # open actions the end-to-end probe completes


def build_web_world(ctx: Context) -> WebWorld:
    """Inside an app context on a fresh database."""
    staff = data.add_staff(CITY)
    data.add_cadres(ctx.n(5_000, 100), CITY)
    program = data.add_program(staff.lead_id, CITY)
    data.add_actions(program, ctx.n(50_000, 500), CITY, due_from=data.NOW - timedelta(days=30),
                     due_to=data.NOW + timedelta(days=60), done=0.3, cancelled=0.05)
    data.add_action_history(data.NOW)
    data.add_case_stats(CITY)
    db.session.commit()
    recompute_all(building=True)
    data.analyze()
    open_ids = data.open_action_ids(program, CITY, ctx.n(25_000, 400))
    link_id, probe, complete = open_ids[0], open_ids[1:101], open_ids[101:]
    assignee = db.session.execute(data.text("SELECT assignee_id FROM actions WHERE id = :i"),
                                  {"i": link_id}).scalar_one()
    key = action_key(assignee, link_id)
    db.session.commit()
    return WebWorld(staff, program, "/t/" + key, complete, probe)


def login_cookie(base: str, email: str, password: str) -> str:
    """A staff session cookie from a real login (the cookie is Secure, so it is handled by hand)."""
    page = requests.get(base + "/login", timeout=30)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    if csrf is None:
        raise RuntimeError("no CSRF token on the login page")
    session = page.cookies.get("session")
    answer = requests.post(base + "/login", data={"csrf_token": csrf.group(1), "email": email,
                                                  "password": password},
                           headers={"Cookie": f"session={session}"}, allow_redirects=False,
                           timeout=30)
    cookie = answer.cookies.get("session")
    if answer.status_code != 303 or not cookie:  # a form POST answers 303 See Other
        raise RuntimeError(f"login failed: HTTP {answer.status_code}")
    return f"session={cookie}"
