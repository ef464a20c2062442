"""SMS credit is paid per part: every kind of message, rendered with the longest values it can
meet, in both languages, counted in GSM-7 parts.

Task messages carrying a link (new task, reminders, overdue, escalation, link sent again) must
fit one part (160 characters) with a production-length base URL; everything else at most two.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from coordinator.channels.sms_encoding import analyse
from coordinator.extensions import db
from coordinator.messages import KINDS, compose
from coordinator.messages.links import read_action_token
from coordinator.messages.sms_text import fit
from coordinator.models import Region
from tests.channels.conftest import BASE_URL, KELURAHAN, make_action, make_person, make_program

ONE_PART_KINDS = ("assigned", "reminder_24h", "reminder_due_today", "overdue", "escalation",
                  "link_resent")
# Longer than any kelurahan of DKI Jakarta ("Kebayoran Lama Selatan", 22); names are cut at 30.
LONG_KELURAHAN = "Kelurahan Tanjung Duren Selatan Ujung Timur"
LONG_TITLE = ("Diskusi warga tentang tawaran kerja ke luar negeri bersama ibu-ibu PKK, "
              "karang taruna dan pengurus RT/RW di balai warga ") * 2
LONG_CODE = "QX7KM"  # codes grow to five characters when four get crowded


def _worst_case_values(language: str) -> tuple[object, dict[str, object]]:
    region = db.session.get(Region, KELURAHAN)
    assert region is not None
    region.name = LONG_KELURAHAN
    cadre = make_person(name="Siti Nurhaliza binti Abdul Rahman Wijayakusuma", language=language)
    program = make_program(make_person("lead"), title="Sosialisasi pencegahan 2022 " * 6)
    action = make_action(program, cadre, title=LONG_TITLE[:200], code=LONG_CODE,
                         due_at=datetime(2022, 12, 31, 16, 59, tzinfo=UTC))
    codes = [f"{LONG_CODE[:4]}{n}" for n in range(12)]
    context: dict[str, object] = {
        "action": action, "actions": [action] * 12, "about": cadre, "code": LONG_CODE,
        "people_reached": 1_000_000, "open_codes": codes, "kelurahan": region,
        "now": datetime(2023, 3, 10, 3, 0, tzinfo=UTC),  # 69 days overdue
        "programs": [{"title": "P", "done": 10_000, "total": 99_999, "overdue": 9_999}] * 30,
        "overdue_by_kecamatan": [{"name": "Tambora", "count": 9_999}] * 8, "case_stats": [],
        "month": datetime(2022, 9, 1).date(), "link": BASE_URL + "/statistik/31.73.04.1001/2022-09",
        "due_day": 5,
    }
    return cadre, context


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_sms_kind_fits_its_parts_with_the_longest_values(world: Flask, language: str) -> None:
    cadre, context = _worst_case_values(language)
    counted = {}
    for kind in KINDS:
        sms = compose(kind, cadre, **context).sms
        info = analyse(sms)
        counted[kind] = info.parts
        assert info.encoding == "gsm7", (kind, sms)
        assert info.parts <= (1 if kind in ONE_PART_KINDS else 2), (kind, info.units, sms)
    assert all(counted[kind] == 1 for kind in ONE_PART_KINDS)


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_one_part_task_sms_keeps_what_the_cadre_needs(world: Flask, language: str) -> None:
    cadre, context = _worst_case_values(language)
    sms = compose("assigned", cadre, **context).sms
    reply = "Balas SELESAI" if language == "id" else "Reply DONE"
    assert f"{reply} {LONG_CODE}" in sms and "31/12 23:59 WIB" in sms
    assert LONG_TITLE[:20] in sms and "..." in sms  # the title is cut, not dropped
    link = sms.rsplit(" ", 1)[1]
    assert link.startswith(BASE_URL + "/t/") and len(link) == len(BASE_URL) + 13
    assert read_action_token(link.rsplit("/", 1)[1]).person_id == cadre.id  # type: ignore[attr-defined]


def test_a_short_title_is_kept_whole(world: Flask) -> None:
    cadre = make_person()
    action = make_action(make_program(make_person("lead")), cadre, title="Penyuluhan di RPTRA")
    sms = compose("assigned", cadre, action=action).sms
    assert "Tugas baru: Penyuluhan di RPTRA, batas" in sms and analyse(sms).parts == 1


LINK = BASE_URL + "/t/Ab3dEf7hJk"


def _render(values: dict[str, Any]) -> Any:
    def render(extra: dict[str, Any]) -> str:
        title = {**values, **extra}["sms_title"]
        return f"Sinergi: Tugas baru: {title}, batas 15/03 17:00 WIB. Balas SELESAI A7K2 atau buka {LINK}"
    return render


def test_a_long_title_is_cut_to_fit_one_part(world: Flask) -> None:
    values = {"sms_title": "Diskusi warga tentang tawaran kerja ke luar negeri di balai RW", "code": "A7K2"}
    sms = fit(_render(values), values, "id")
    assert analyse(sms).parts == 1 and "Diskusi warga tentang" in sms and "..." in sms


def test_when_one_part_leaves_too_little_title_two_parts_keep_it_readable(world: Flask) -> None:
    long_link = "https://" + "x" * 70 + "/t/Ab3dEf7hJk"
    values = {"sms_title": "Diskusi warga tentang tawaran kerja ke luar negeri", "code": "A7K2"}

    def render(extra: dict[str, Any]) -> str:
        return _render(values)(extra).replace(LINK, long_link)

    sms = fit(render, values, "id")
    assert analyse(sms).parts == 2
    assert "Diskusi warga tentang tawaran kerja ke luar negeri" in sms


def test_a_message_without_a_title_is_left_as_it_is(world: Flask) -> None:
    text = "Sinergi: " + "x" * 200
    assert fit(lambda extra: text, {}, "id") == text
