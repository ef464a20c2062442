"""GSM-7 vs UCS-2 detection and splitting into parts, with Indonesian text."""
from __future__ import annotations

import pytest

from coordinator.channels.sms_encoding import analyse, is_gsm7, split, to_gsm7

REMINDER = "Sinergi: Pengingat, besok: Penyuluhan warga RW 03, batas 15/03 17:00 WIB. Kode A7K2."


def test_plain_indonesian_reminder_is_one_gsm7_part() -> None:
    info = analyse(REMINDER)
    assert (info.encoding, info.units, info.parts) == ("gsm7", len(REMINDER), 1)


def test_exactly_160_gsm7_characters_fit_in_one_part_and_161_need_two() -> None:
    assert analyse("a" * 160).parts == 1
    assert analyse("a" * 161).parts == 2
    assert [len(p) for p in split("a" * 161)] == [153, 8]


def test_extension_characters_count_twice() -> None:
    text = "Biaya konsumsi €5 ^ rapat {RW} [03]"
    info = analyse(text)
    assert info.encoding == "gsm7"
    assert info.units == len(text) + 6  # € ^ { } [ ] take two septets each
    assert analyse("€" * 80).parts == 1 and analyse("€" * 81).parts == 2


def test_extension_character_is_never_split_across_parts() -> None:
    text = "a" * 152 + "€" + "b" * 10
    parts = split(text)
    assert parts[0] == "a" * 152 and parts[1].startswith("€")
    assert "".join(parts) == text


def test_accented_e_is_gsm7_but_other_accents_are_not() -> None:
    assert is_gsm7("Kafé é è ù ì ò Ç Ñ ü à")
    assert not is_gsm7("Pósyandu")  # ó is not in GSM-7
    assert analyse("Pósyandu").encoding == "ucs2"


def test_emoji_forces_ucs2_and_counts_two_code_units() -> None:
    text = "Terima kasih 🙏"
    info = analyse(text)
    assert info.encoding == "ucs2" and info.units == len(text) + 1


@pytest.mark.parametrize(("length", "parts"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_limits_are_70_then_67_per_part(length: int, parts: int) -> None:
    assert analyse("ó" * length).parts == parts


def test_emoji_surrogate_pair_is_never_split() -> None:
    text = "ó" * 66 + "🙂" + "ó" * 10
    parts = split(text)
    assert parts[0] == "ó" * 66 and parts[1].startswith("🙂")
    assert "".join(parts) == text


def test_folding_keeps_meaning_and_returns_to_gsm7() -> None:
    folded = to_gsm7("“Sosialisasi” – Pósyandu… ✅ ok")
    assert folded == '"Sosialisasi" - Posyandu...  ok'  # the emoji is dropped
    assert is_gsm7(folded)


def test_folding_keeps_letters_without_a_gsm7_form() -> None:
    assert to_gsm7("Rapat 会议") == "Rapat 会议"


def test_empty_text_is_one_part() -> None:
    assert analyse("").parts == 1
