"""SMS encoding: GSM-7 (with its extension table) or UCS-2, and the parts a text needs.

A single SMS holds 160 GSM-7 septets or 70 UCS-2 code units; a concatenated one loses room to
its header: 153 septets or 67 code units per part. GSM-7 extension characters (``€ ^ { } [ ] ~ | \\``)
take two septets and are never split across parts; nor are UTF-16 surrogate pairs (emoji).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_LIMIT = {"gsm7": 160, "ucs2": 70}
PART_LIMIT = {"gsm7": 153, "ucs2": 67}

# Look-alikes that would otherwise force a whole message into UCS-2 (70 characters a part).
_FOLDS = {
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "…": "...", "\u00a0": " ", "\u2009": " ",
    "\u200b": "", "\t": " ", "•": "-", "·": "-",
}


@dataclass(frozen=True)
class SmsInfo:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def char_units(ch: str, encoding: str) -> int:
    if encoding == "gsm7":
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def encoding_of(text: str) -> str:
    return "gsm7" if is_gsm7(text) else "ucs2"


def units_of(text: str, encoding: str | None = None) -> int:
    encoding = encoding or encoding_of(text)
    return sum(char_units(ch, encoding) for ch in text)


def analyse(text: str) -> SmsInfo:
    """Encoding, length in units and number of parts of ``text``."""
    encoding = encoding_of(text)
    units = units_of(text, encoding)
    return SmsInfo(encoding, units, len(split(text)) if text else 1)


def split(text: str) -> list[str]:
    """The parts ``text`` is sent as; joining them gives ``text`` back."""
    encoding = encoding_of(text)
    if units_of(text, encoding) <= SINGLE_LIMIT[encoding]:
        return [text]
    limit = PART_LIMIT[encoding]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        size = char_units(ch, encoding)
        if used + size > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += size
    if current:
        parts.append("".join(current))
    return parts


def parts_of(text: str) -> int:
    return analyse(text).parts


def to_gsm7(text: str) -> str:
    """Fold ``text`` towards GSM-7: typographic quotes and dashes, accents, stray symbols.

    Letters with no GSM-7 form (e.g. other scripts) are kept, so the meaning survives in UCS-2;
    emoji and other symbols are dropped, since they would triple the cost of the message.
    """
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
        elif ch in _FOLDS:
            out.append(_FOLDS[ch])
        else:
            out.append(_fold_char(ch))
    return "".join(out)


def _fold_char(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and all(c in GSM7_BASIC for c in base):
        return base
    category = unicodedata.category(ch)
    if category[0] in ("S", "C") or category in ("Zl", "Zp"):
        return "" if category != "Zs" else " "
    return ch
