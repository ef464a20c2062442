"""Message templates: every kind in both languages, the signed link, discreet SMS."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from coordinator.channels.sms_encoding import analyse
from coordinator.domain.discretion import sensitive_words_in
from coordinator.messages import KINDS, compose
from coordinator.messages.links import read_action_token
from tests.channels.conftest import make_action, make_person, make_program


def test_assigned_message_in_indonesian_carries_code_due_time_and_signed_link(world: Flask) -> None:
    cadre = make_person(name="Siti Aminah")
    action = make_action(make_program(make_person("lead")), cadre, code="A7K2")
    message = compose("assigned", cadre, action=action)
    assert message.subject == "Tugas baru: Penyuluhan warga RW 03"
    assert "Halo Siti Aminah" in message.text
    assert "Selasa, 15 Maret 2022 17:00 WIB" in message.text
    assert "SELESAI A7K2" in message.sms and "15/03 17:00 WIB" in message.sms
    link = message.sms.rsplit(" ", 1)[1]
    assert read_action_token(link.rsplit("/", 1)[1])[:2] == (cadre.id, action.id)
    assert f'href="{link}"' in message.html and '<html lang="id">' in message.html
    assert analyse(message.sms).parts == 1


def test_english_speaker_gets_english_and_done_keyword(world: Flask) -> None:
    cadre = make_person(language="en")
    action = make_action(make_program(make_person("lead")), cadre, code="C3DE")
    message = compose("reminder_24h", cadre, action=action)
    assert message.subject.startswith("Reminder:")
    assert "Tuesday, 15 March 2022 17:00 WIB" in message.text
    assert "Reply DONE C3DE" in message.sms


def test_html_escapes_titles_but_text_keeps_them(world: Flask) -> None:
    cadre = make_person()
    action = make_action(make_program(make_person("lead")), cadre, title="Rapat <RW> & warga")
    message = compose("assigned", cadre, action=action)
    assert "Rapat &lt;RW&gt; &amp; warga" in message.html
    assert "Rapat <RW> & warga" in message.text


def test_messages_show_the_public_title_never_the_staff_title(world: Flask) -> None:
    cadre = make_person()
    program = make_program(make_person("lead"), title="Penanganan korban TPPO",
                           public_title="Kegiatan warga")
    action = make_action(program, cadre, code="Q4RT", title="Pendampingan korban TPPO di RW 05",
                         public_title="Kunjungan warga RW 05")
    message = compose("assigned", cadre, action=action)
    assert message.subject == "Tugas baru: Kunjungan warga RW 05"
    assert "Kunjungan warga RW 05" in message.sms and "Kegiatan warga" in message.text
    for part in (message.subject, message.text, message.html, message.sms):
        assert "korban" not in part.lower() and "tppo" not in part.lower()


def test_a_public_title_with_a_case_word_still_never_reaches_a_message(world: Flask) -> None:
    """Rows written before public titles were checked: the guard at composing time holds."""
    cadre = make_person()
    action = make_action(make_program(make_person("lead")), cadre, code="Q4RT",
                         title="Pendampingan korban", public_title="Pendampingan k0rbannya RW 05")
    message = compose("assigned", cadre, action=action)
    assert sensitive_words_in(message.sms) == []
    assert "Tugas Q4RT" in message.sms
    assert message.subject == "Tugas baru: Tugas Q4RT"
    assert sensitive_words_in(message.text) == [] and sensitive_words_in(message.html) == []


def test_escalation_to_coordinator_does_not_suggest_an_sms_reply(world: Flask) -> None:
    coordinator = make_person("coordinator", language="en")
    action = make_action(make_program(make_person("lead")), make_person(name="Siti"), code="C3DE")
    message = compose("escalation", coordinator, action=action,
                      now=action.due_at + timedelta(days=3, hours=2))
    assert message.subject.endswith("is 3 days overdue")
    # What happened (who, where, how late) and what to do with the link.
    assert "Siti's task in Tanah Sereal is 3 days past" in message.text
    assert "reply by SMS" not in message.text
    assert "remind Siti again, reassign the task" in message.text and "reassign" in message.html
    assert message.sms.startswith("Sinergi: task C3DE (Siti) is 3 days overdue. "
                                  "Follow it up: http")


def test_unassigned_notice_asks_the_coordinator_to_choose_a_cadre(world: Flask) -> None:
    coordinator = make_person("coordinator")
    action = make_action(make_program(make_person("lead")), None, code="U7KL")
    message = compose("unassigned", coordinator, action=action)
    assert message.subject.startswith("Tugas belum punya kader: pilih kader")
    assert "SELESAI" not in message.text + message.sms  # not "do it yourself"
    assert "Pilih kader: http" in message.text and "/t/" in message.sms
    escalation = compose("escalation", coordinator, action=action,
                         now=action.due_at + timedelta(days=4))
    assert "belum punya kader" in escalation.text and "memilih kader" in escalation.text


def test_long_title_is_shortened_at_a_word_to_keep_one_gsm_part(world: Flask) -> None:
    cadre = make_person()
    title = "Sosialisasi pencegahan di sekolah dasar negeri " * 4
    action = make_action(make_program(make_person("lead")), cadre, title=title[:200])
    sms = compose("overdue", cadre, action=action).sms
    info = analyse(sms)
    assert info.encoding == "gsm7" and info.parts == 1
    assert "Terlambat: Sosialisasi pencegahan di sekolah dasar..., batas" in sms


def test_accents_and_curly_quotes_are_folded_so_sms_stays_gsm7(world: Flask) -> None:
    cadre = make_person()
    action = make_action(make_program(make_person("lead")), cadre, title="“Café” Pósyandu – RW 02 🙂")
    sms = compose("assigned", cadre, action=action).sms
    assert analyse(sms).encoding == "gsm7"
    assert "\"Café\" Posyandu - RW 02," in sms


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_kind_renders_in_both_languages(world: Flask, language: str) -> None:
    cadre = make_person(language=language)
    action = make_action(make_program(make_person("lead")), cadre)
    for kind in KINDS:
        message = compose(
            kind, cadre, action=action, actions=[action], about=cadre, code=action.public_code,
            people_reached=40, open_codes=["A7K2", "C3DE"], kelurahan=action.kelurahan,
            programs=[{"title": "P", "done": 1, "total": 2, "overdue": 1}],
            overdue_by_kecamatan=[{"name": "Tambora", "count": 1}], case_stats=[],
        )
        assert message.subject and message.text and message.sms, kind
        assert "<html" in message.html, kind
        assert analyse(message.sms).parts <= 2, kind
        assert sensitive_words_in(message.sms) == [], kind


def test_unknown_kind_is_refused(world: Flask) -> None:
    with pytest.raises(ValueError, match="unknown message kind"):
        compose("birthday", make_person())


def test_reply_without_person_uses_requested_language(world: Flask) -> None:
    assert "not registered" in compose("sms_reply_unknown_number", None, language="en").sms
    assert "belum terdaftar" in compose("sms_reply_unknown_number", None).sms
