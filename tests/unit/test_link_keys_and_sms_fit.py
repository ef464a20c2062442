"""Pure rules of short links and short SMS: key shape, masking links, cutting a title."""
from __future__ import annotations

from coordinator.domain.short_links import KEY_ALPHABET, KEY_LENGTH, looks_like_key, new_key
from coordinator.messages.links import mask_links
from coordinator.messages.sms_text import shorten

LINK = "https://sinergi.example.test/t/Ab3dEf7hJk"


def test_keys_are_ten_characters_without_look_alikes() -> None:
    keys = {new_key() for _ in range(2_000)}
    assert len(keys) == 2_000  # no repeats: 2**58 possible keys
    assert all(len(k) == KEY_LENGTH and looks_like_key(k) for k in keys)
    assert not set("0Oo1Il") & set(KEY_ALPHABET)
    assert set("".join(keys)) == set(KEY_ALPHABET)  # every character is drawn


def test_only_the_key_shape_is_looked_up() -> None:
    assert looks_like_key("Ab3dEf7hJk")
    for token in ("Ab3dEf7hJ", "Ab3dEf7hJkm", "Ab3dEf7hJ0", "Ab3dE/7hJk", "WzE2MCwxMDFd.aw6L-Q.zT",
                  "", "Ab3dEf7hJk\n"):
        assert not looks_like_key(token), token


def test_links_are_masked_in_any_text_old_or_new() -> None:
    text = (f"Buka {LINK} sekarang. Lama: http://127.0.0.1:5000/t/WzE2MCwxMDFd.aw6L-Q.zTVgq21qN5R."
            " Statistik: https://sinergi.example.test/statistik/31.73")
    masked = mask_links(text)
    assert "Ab3dEf7hJk" not in masked and "WzE2MCwxMDFd" not in masked
    assert masked.count("/t/••••••") == 2
    assert masked.endswith("/statistik/31.73")
    assert "/t/•••••• sekarang." in masked and "/t/••••••. Statistik" in masked


def test_shorten_cuts_at_a_word_and_marks_the_cut() -> None:
    assert shorten("Penyuluhan keluarga di RPTRA", 40) == "Penyuluhan keluarga di RPTRA"
    assert shorten("Penyuluhan keluarga di RPTRA Kalideres", 30) == "Penyuluhan keluarga di..."
    assert shorten("Penyuluhankeluargadirptrakalideres", 20) == "Penyuluhankeluarg..."
    assert len(shorten("Diskusi warga tentang tawaran kerja", 12)) <= 12
