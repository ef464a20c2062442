"""Every page a person can open, walked from the url_map as the role that uses it: one h1,
every form control labelled, ids unique; and on Indonesian pages no English UI words."""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask

from coordinator.extensions import db
from tests.web.conftest import World, csrf_token, login, post_form

# Pages not walked here, and why.
NOT_HTML = {"actions.export", "dashboard.export", "health.healthz", "static"}
ELSEWHERE = {"links.open_link"}  # token pages: test_signed_links.py checks them
UNLABELLED_TYPES = {"hidden", "submit", "button", "image", "reset"}


class PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h1 = 0
        self.ids: Counter[str] = Counter()
        self.label_for: set[str] = set()
        self.controls: list[dict[str, Any]] = []
        self.open_labels = 0
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] += 1
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and (
                tag != "input" or a.get("type", "text") not in UNLABELLED_TYPES):
            self.controls.append({**a, "_tag": tag, "_in_label": self.open_labels > 0})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels = max(0, self.open_labels - 1)
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    def unlabelled(self) -> list[str]:
        return [f"<{c['_tag']} name={c.get('name')!r} id={c.get('id')!r}>" for c in self.controls
                if not (c["_in_label"] or c.get("aria-label") or c.get("aria-labelledby")
                        or c.get("id") in self.label_for)]


def audit(html: str) -> PageAudit:
    page = PageAudit()
    page.feed(html)
    return page


def _url_values(world: World) -> dict[str, Any]:
    return {"action_id": world.action.id, "program_id": world.program.id,
            "person_id": world.cadre.id}


def _pages(app: Flask, world: World) -> list[tuple[str, str]]:
    values = _url_values(world)
    pages = []
    for rule in app.url_map.iter_rules():
        if ("GET" not in (rule.methods or ()) or rule.rule.startswith("/api")
                or rule.endpoint in NOT_HTML | ELSEWHERE):
            continue
        if not set(rule.arguments) <= set(values):
            raise AssertionError(f"{rule.endpoint}: no value for {rule.arguments}: add one")
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        pages.append((rule.endpoint, url))
    return sorted(pages)


def _walk(client: Any, pages: list[tuple[str, str]]) -> dict[str, PageAudit]:
    seen = {}
    for endpoint, url in pages:
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            seen[endpoint] = audit(response.text)
    return seen


def _problems(seen: dict[str, PageAudit]) -> list[str]:
    problems = []
    for endpoint, page in seen.items():
        if page.h1 != 1:
            problems.append(f"{endpoint}: {page.h1} h1")
        if page.unlabelled():
            problems.append(f"{endpoint}: unlabelled {page.unlabelled()}")
        twice = [i for i, n in page.ids.items() if n > 1]
        if twice:
            problems.append(f"{endpoint}: duplicate ids {twice}")
    return problems


def test_every_staff_page_has_one_h1_labelled_controls_and_unique_ids(
        client, app: Flask, world: World) -> None:
    login(client, world.admin.email)
    seen = _walk(client, _pages(app, world))
    assert len(seen) >= 20, sorted(seen)  # the walk really reached the staff pages
    assert _problems(seen) == []


def test_every_cadre_page_has_one_h1_labelled_controls_and_unique_ids(
        client, app: Flask, world: World) -> None:
    login(client, world.cadre.email)
    seen = _walk(client, _pages(app, world))
    assert {"cadre.index", "auth.password"} <= set(seen)
    assert _problems(seen) == []


def test_the_login_page_for_a_stranger(client, app: Flask) -> None:
    assert _problems({"auth.login": audit(client.get("/login").text)}) == []


def test_staff_pages_start_with_a_skip_link_to_the_content(client, world: World) -> None:
    login(client, world.lead.email)
    html = client.get("/program/").text
    assert re.search(r'<body>\s*<a href="#content" class="skip-link">Langsung ke isi</a>', html)
    assert '<main id="content"' in html


# Words that are English UI text, never Indonesian (names, codes and "SMS" are not among them).
ENGLISH_WORDS = re.compile(
    r"\b(the|and|with|please|choose|enter|must|should|cannot|failed|overdue|due date|"
    r"search|settings|reminder|actions?|program(?:me)?s|people|save|cancel|done|at most|"
    r"occurrences?|christmas|day off|new task|escalation|unknown)\b", re.IGNORECASE)
# Kept as they are in Indonesian: proper names, brand words, units, machine codes.
ALLOWED = {"Sinergi", "English"}


@pytest.mark.parametrize("role", ["admin", "cadre"])
def test_indonesian_pages_carry_no_english_ui_words(client, app: Flask, world: World,
                                                     role: str) -> None:
    login(client, world.by_role(role).email)
    pages = _pages(app, world)
    assert _english_words(_walk(client, pages)) == {}
    # The detector itself: the same pages in English are full of such words.
    person = world.by_role(role)
    person.language = "en"
    db.session.commit()
    assert len(_english_words(_walk(client, pages))) >= (10 if role == "admin" else 2)


def _english_msgids() -> set[str]:
    """The catalog's English texts (10+ characters, no placeholder) whose Indonesian differs:
    none of them may appear verbatim on an Indonesian page."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[2] / "coordinator/translations/id/LC_MESSAGES/messages.po"
    with open(po, "rb") as source:
        catalog = read_po(source)
    texts = set()
    for message in catalog:
        english = message.id[0] if isinstance(message.id, tuple) else message.id
        indonesian = (message.string[0] if isinstance(message.string, tuple)
                      else message.string)
        if english and indonesian and english != indonesian and len(english) >= 10 \
                and "%(" not in english:
            texts.add(english.rstrip("."))
    return texts


def _english_words(seen: dict[str, PageAudit]) -> dict[str, list[str]]:
    msgids = _english_msgids()
    found = {}
    for endpoint, page in seen.items():
        text = " ".join(" ".join(page.text).split())
        for word in ALLOWED:
            text = text.replace(word, "")
        hits = sorted({m.group(0) for m in ENGLISH_WORDS.finditer(text)}
                      | {t for t in msgids if t in text})
        if hits:
            found[endpoint] = hits
    return found


def test_the_outbox_kind_filter_offers_translated_labels_and_matches_stored_codes(
        client, world: World) -> None:
    from coordinator.models import Notification, utcnow

    for kind in ("assigned", "escalation"):
        db.session.add(Notification(
            recipient_id=world.cadre.id, channel="sms", kind=kind, status="pending",
            dedupe_key=f"test:{kind}", body="", scheduled_for=utcnow(), created_at=utcnow()))
    db.session.commit()
    login(client, world.admin.email)
    page = client.get("/outbox/")
    assert re.search(r'<option value="escalation"\s*>eskalasi</option>', page.text)
    only = client.get("/outbox/?kind=escalation")
    assert only.status_code == 200 and "1 pesan" in only.text
    by_label = client.get("/outbox/?kind=tugas baru")  # a label typed in Indonesian
    assert by_label.status_code == 200 and "1 pesan" in by_label.text
    unknown = client.get("/outbox/?kind=nonsense")
    assert unknown.status_code == 400 and "Jenis tidak dikenal" in unknown.text


def test_a_refused_staff_form_leads_with_a_focused_summary_linked_to_its_fields(
        client, world: World) -> None:
    login(client, world.coordinator.email)
    refused = post_form(client, "/orang/baru", {"name": "", "role": "cadre",
                                                "region_code": "31.73.04.1001", "phone": "12",
                                                "language": "id", "channel_preference": "sms"})
    assert refused.status_code == 400
    page = audit(refused.text)
    assert _problems({"people.new": page}) == []
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'tabindex="-1" autofocus' in summary and '<a href="#name">' in summary
    assert re.search(r'<input aria-describedby="name-error" aria-invalid="true" id="name"',
                     refused.text)
    assert "autofocus" not in refused.text.split('class="error-summary"')[0]  # only one


def test_a_refused_completion_on_my_tasks_focuses_the_error(client, world: World) -> None:
    login(client, world.cadre.email)
    page = client.get("/tugas/")

    done = client.post(f"/tugas/{world.action.id}/selesai", follow_redirects=True, data={
        "csrf_token": csrf_token(page.text), "people_reached": "-5"})
    assert re.search(r'<p class="flash flash-error" role="alert" tabindex="-1" autofocus>',
                     done.text)
    assert _problems({"cadre.index": audit(done.text)}) == []
