"""Reading SMS replies: the forms cadres type, and malformed or hostile input."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator.channels.inbound import MAX_TEXT, parse_reply, sanitise


@pytest.mark.parametrize(("text", "code", "count"), [
    ("SELESAI A7K2", "A7K2", None),
    ("SELESAI A7K2 40", "A7K2", 40),
    ("selesai a7k2 40", "A7K2", 40),
    ("  Selesai   A7K2    40  ", "A7K2", 40),
    ("DONE C3DE", "C3DE", None),
    ("done c3de 12", "C3DE", 12),
    ("SELESAI:A7K2", "A7K2", None),
    ("selesaiA7K2", "A7K2", None),
    ("sdh A7K2", "A7K2", None),
    ("udah a7k2 ya bu", "A7K2", None),
    ("beres A7K2, 25 orang", "A7K2", 25),
    ("ok selesai A7K2", "A7K2", None),
    ("A7K2 sudah", "A7K2", None),
    ("Bu, kegiatan A7K2 sudah selesai kemarin, hadir 35 orang", "A7K2", 35),
    ("sudah A7K2 RW 03 40 orang", "A7K2", 40),
    ("selesai A7K2 1.200 orang", "A7K2", 1200),
    ("SELESAI\nA7K2\n40", "A7K2", 40),
    ("ＳＥＬＥＳＡＩ　Ａ７Ｋ２　４０", "A7K2", 40),  # full-width keyboard
    ("SEL\u200bESAI A7\u200dK2", "A7K2", None),  # zero-width characters
    ("\u202eSELESAI A7K2", "A7K2", None),  # direction override
    ("selesai ACDE", "ACDE", None),  # a code of letters only
    ("SELESAI 3467 40", "3467", 40),  # a code of digits only, right after the keyword
])
def test_completion_forms(text: str, code: str, count: int | None) -> None:
    parsed = parse_reply(text)
    assert parsed.done and parsed.codes[0] == code
    assert parsed.people_reached == count and not parsed.count_invalid


@pytest.mark.parametrize("text", ["sudah", "sdh", "Udah", "beres", "ok selesai", "SELESAI", "sudah bu",
                                  "sudah selesai semua", "Udah beres kak, 25 org"])
def test_lone_done_words_have_no_code(text: str) -> None:
    parsed = parse_reply(text)
    assert parsed.done and parsed.codes == ()


def test_lone_done_with_count() -> None:
    assert parse_reply("sudah, 40 warga").people_reached == 40


@pytest.mark.parametrize("text", [
    "belum selesai A7K2", "blm sdh", "tidak selesai A7K2", "not done C3DE", "BATAL A7K2",
])
def test_negated_replies_are_not_completions(text: str) -> None:
    assert not parse_reply(text).done


@pytest.mark.parametrize("text", [
    "", " ", "halo", "A7K2", "ok", "terima kasih infonya", "?", "\x00\x01\x02", "🙏🙏🙏",
    "'; DROP TABLE actions; --", "<script>alert(1)</script>", "{{ 7*7 }}", "${jndi:ldap://x}",
])
def test_garbage_is_not_a_completion(text: str) -> None:
    assert not parse_reply(text).done


@pytest.mark.parametrize("text", ["SELESAI A7K2 -5", "selesai A7K2 99999999", "DONE C3DE 1.000.000.000"])
def test_impossible_counts_are_flagged(text: str) -> None:
    parsed = parse_reply(text)
    assert parsed.done and parsed.count_invalid and parsed.people_reached is None


def test_injection_strings_never_become_codes() -> None:
    parsed = parse_reply("SELESAI ' OR 1=1; DROP TABLE actions; --")
    assert all(code.isalnum() for code in parsed.codes)
    assert "DROP" not in parsed.codes and "TABLE" not in parsed.codes


def test_english_reply_is_marked_english() -> None:
    assert parse_reply("done c3de").language == "en"
    assert parse_reply("selesai c3de").language == "id"


def test_huge_text_is_cut_before_parsing() -> None:
    parsed = parse_reply("x" * 1_000_000 + " SELESAI A7K2")
    assert not parsed.done  # the keyword is far beyond the limit
    assert len(sanitise("a " * 1_000_000)) <= MAX_TEXT


def test_few_candidate_codes_even_from_a_wall_of_codes() -> None:
    assert len(parse_reply("selesai " + " ".join(["A7K2"] * 500 + ["C3DE"] * 500)).codes) <= 5


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_without_error(text: str) -> None:
    parsed = parse_reply(text)
    assert all(4 <= len(c) <= 8 and c.isascii() and c.isalnum() and c.isupper() or c.isdigit()
               for c in parsed.codes)
    assert parsed.people_reached is None or 0 <= parsed.people_reached <= 1_000_000
