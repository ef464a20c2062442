"""Parsing SMS replies from cadres: ``SELESAI A7K2 40``, ``done a7k2``, ``sdh``, ``ok selesai ya``.

Pure functions, no database: :func:`parse_reply` says whether the text claims a completion,
which tokens may be action codes (checked against the database by the caller), and the number
of people reached. Hostile input (huge texts, control or zero-width characters, full-width or
other Unicode look-alikes, injection strings) is reduced to plain tokens and never trusted.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from coordinator.domain.codes import ALPHABET
from coordinator.policy.limits import MAX_PEOPLE_REACHED

MAX_TEXT = 1600  # ten SMS parts; anything longer is cut before parsing

DONE_WORDS = frozenset({
    "SELESAI", "SLSAI", "SLESAI", "SELSAI", "SLS", "DONE", "SUDAH", "SDH", "SUDH", "UDAH", "UDH",
    "DAH", "BERES", "RAMPUNG", "FINISHED", "COMPLETED",
})
ENGLISH_WORDS = frozenset({"DONE", "FINISHED", "COMPLETED"})
NEGATIONS = frozenset({
    "BELUM", "BLM", "BLUM", "BELOM", "TIDAK", "TDK", "GAK", "GA", "NGGAK", "ENGGAK", "NOT", "NO",
    "BATAL", "JANGAN",
})
COUNT_WORDS = frozenset({"ORANG", "ORG", "PESERTA", "WARGA", "JIWA", "PEOPLE", "PERSONS", "HADIR"})
# Words that look like codes (only code letters) but are ordinary Indonesian or English.
NOT_CODES = frozenset({
    "WARGA", "KADER", "ANAK", "HARI", "ACARA", "RAPAT", "PAGI", "KEMARIN", "DENGAN", "TADI",
    "TERUTAMA", "TERIMA", "KAMU", "KAMI", "MAAF", "TEAM", "HERE", "THANK", "YAA", "AMAN",
    "MANA", "APA", "KAPAN", "DATANG", "PERNAH", "UNTUK", "DARI", "KE", "HADIR", "ACTA",
    "KEPADA", "KETUA", "JAM", "NAMA",
})
CODE_CHARS = frozenset(ALPHABET)
_TOKEN = re.compile(r"(?:(?<=\s)|^)-\d+|\d{1,3}(?:\.\d{3})+(?!\d)|[A-Z0-9]+")


@dataclass(frozen=True)
class ParsedReply:
    done: bool  # the text claims a completion (a done word, not negated)
    codes: tuple[str, ...] = ()  # tokens that may be action codes, most likely first
    people_reached: int | None = None
    count_invalid: bool = False  # a count was given but is negative or absurd
    language: str | None = None  # "en" when the reply used English words, "id" otherwise
    tokens: tuple[str, ...] = field(default=(), repr=False)


def sanitise(text: str) -> str:
    """Upper-case ASCII-ish text: NFKC (full-width forms), no control or format characters."""
    text = unicodedata.normalize("NFKC", (text or "")[: MAX_TEXT * 2])[:MAX_TEXT]
    kept = [_visible(ch) for ch in text]
    return " ".join("".join(kept).upper().split())


def _visible(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cf":  # zero-width and direction marks: invisible, so gone
        return ""
    return " " if category[0] in ("C", "Z") else ch


def tokens_of(text: str) -> list[str]:
    return _TOKEN.findall(sanitise(text))


def parse_reply(text: str) -> ParsedReply:
    """What a reply SMS says; see the module docstring for the accepted forms."""
    tokens = _split_glued(tokens_of(text))
    done_at = [i for i, t in enumerate(tokens) if t in DONE_WORDS]
    language = "en" if any(t in ENGLISH_WORDS for t in tokens) else "id"
    negated = any(t in NEGATIONS for t in tokens)
    codes = _code_candidates(tokens, done_at)
    count, invalid = _count(tokens, codes)
    return ParsedReply(
        done=bool(done_at) and not negated, codes=tuple(codes), people_reached=count,
        count_invalid=invalid, language=language, tokens=tuple(tokens),
    )


def _split_glued(tokens: list[str]) -> list[str]:
    """``SELESAIA7K2`` -> ``SELESAI``, ``A7K2`` (thumbs miss the space bar)."""
    out: list[str] = []
    for token in tokens:
        for word in ("SELESAI", "DONE"):
            rest = token[len(word):]
            if token.startswith(word) and is_code_like(rest):
                out.extend([word, rest])
                break
        else:
            out.append(token)
    return out


def is_code_like(token: str) -> bool:
    """4 to 8 letters and digits, either with a digit (``A7K2``) or only code letters (``ACDE``).

    Codes never use S, Z, B, O, I or L, so ordinary words (``SEMUA``, ``TOLONG``) drop out.
    """
    if not 4 <= len(token) <= 8 or not token.isalnum() or not token.isascii() or token.isdigit():
        return False
    if token in NOT_CODES or token in DONE_WORDS or token in COUNT_WORDS:
        return False
    return any(ch.isdigit() for ch in token) or set(token) <= CODE_CHARS


def _code_candidates(tokens: list[str], done_at: list[int]) -> list[str]:
    after_keyword = [tokens[i + 1] for i in done_at if i + 1 < len(tokens)]
    ordered = [t for t in after_keyword if is_code_like(t)]
    ordered += [t for t in tokens if is_code_like(t) and t not in ordered]
    # An all-digit code is possible (codes use 3 4 6 7 9) but only right after the keyword.
    ordered += [t for t in after_keyword if t.isdigit() and 4 <= len(t) <= 8
                and set(t) <= CODE_CHARS and t not in ordered]
    return ordered[:5]


def _count(tokens: list[str], codes: list[str]) -> tuple[int | None, bool]:
    numbers = [i for i, t in enumerate(tokens) if _is_number(t) and t not in codes[:1]]
    if not numbers:
        return None, False
    chosen = _pick_count(tokens, numbers, codes)
    if chosen is None:
        return None, False
    token = tokens[chosen]
    if token.startswith("-"):
        return None, True
    value = int(token.replace(".", ""))
    return (value, False) if value <= MAX_PEOPLE_REACHED else (None, True)


def _pick_count(tokens: list[str], numbers: list[int], codes: list[str]) -> int | None:
    for i in numbers:
        if i > 0 and codes and tokens[i - 1] == codes[0]:
            return i
    for i in numbers:
        if i + 1 < len(tokens) and tokens[i + 1] in COUNT_WORDS:
            return i
    return numbers[0] if len(numbers) == 1 else None


def _is_number(token: str) -> bool:
    return bool(re.fullmatch(r"-?\d{1,12}|\d{1,3}(?:\.\d{3})+", token))
