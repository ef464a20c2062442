"""Find configured case words in a text however they are disguised. Pure: no app, no database.

The rule, in the order it is applied:

1. *Fold* the text: compatibility decomposition (NFKD), diacritics and invisible format characters
   (zero-width spaces and joiners, soft hyphens) dropped, case folded, Cyrillic and Greek
   look-alikes mapped to the Latin letters they imitate.
2. Cut it into *runs* of letters; the digits and symbols that stand in for letters (0 o, 1 i/l,
   3 e, 4 a, 5 s, 7 t, @ a, $ s) belong to a run. Every other character separates runs. A stand-in
   inside a run is read as its letter; at the start or end of a run it is read both ways
   ("TPPO2022", "tpp0" and "korban1" are all caught).
3. Join runs into *tokens*: neighbours separated only by punctuation (``kor-ban``, ``kor_ban``,
   ``k.o.r.b.a.n``) or letter by letter with spaces (``k o r b a n``) are also read as one word.
4. Strip *affixes* from a token, Indonesian (-nya -ku -mu -lah -kah -pun; -kan -an -i; ber- di-
   ke- se- ter- per-, me-/mem-/men-/meng-/meny- and pe-/pem-/pen-/peng-/peny- with the dropped
   first letter restored) and English (-s -es -er -ers -ed -ing).
5. A configured word matches a token when one of the token's forms equals the word (or the word's
   English stem), letter for letter, with ``i`` and ``l`` read alike and repeated letters read once
   (but never fewer letters than the word has). A configured phrase matches when its words appear
   as consecutive tokens, with any separators between them, or written together as one token.

So "korbannya", "kekerasannya", "perdagangan-orang", "k0rban" and "коrban" (Cyrillic о) are
caught, while a word that merely contains the letters ("orangtua", "kerasan", "traffic") is not.
The rule errs towards refusing: "mengorbankan waktu" (to sacrifice time) is refused as a
derived form of "korban"; a title can always be reworded.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Cyrillic and Greek letters that look like Latin ones (lower case: the text is folded first).
HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i", "ӏ": "l", "һ": "h", "ь": "b", "п": "n", "г": "r",
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "o", "ϲ": "c",
})
STAND_INS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_WORD_CHARS = re.compile(r"(?:[^\W\d_]|[013457@$])+")
MAX_JOINED = 40  # longest token built by joining runs
MIN_STEM = 3

# Affixes are matched on the skeleton, where l reads as i (see ``skeleton``): "lah" is "iah".
PARTICLES = ("nya", "iah", "kah", "pun", "ku", "mu")
DERIVATIONAL = ("kan", "an", "i")
ENGLISH = ("ings", "ing", "ers", "er", "ed", "es", "s")
# Prefix -> letters its nasal may have replaced (meng+korban -> mengorban...).
PREFIXES: dict[str, tuple[str, ...]] = {
    "ber": ("",), "be": ("",), "di": ("",), "ke": ("",), "se": ("",), "ter": ("",), "per": ("",),
    "me": ("",), "mem": ("", "p"), "men": ("", "t"), "meng": ("", "k"), "meny": ("s",),
    "pe": ("",), "pem": ("", "p"), "pen": ("", "t"), "peng": ("", "k"), "peny": ("s",),
}


def fold(text: str) -> str:
    """Case, diacritics, invisible characters and look-alike letters folded away."""
    if text.isascii():  # nothing to decompose, drop or map: the same as the steps below
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed
                   if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
    return kept.casefold().translate(HOMOGLYPHS)


def skeleton(word: str) -> str:
    """``i`` and ``l`` read alike (1 stands for both)."""
    return word.replace("l", "i")


def collapse(word: str) -> str:
    """Repeated letters read once."""
    return re.sub(r"(.)\1+", r"\1", word)


@dataclass(frozen=True)
class _Run:
    raw: str
    start: int
    end: int


def _runs(folded: str) -> list[_Run]:
    return [_Run(m.group(), m.start(), m.end()) for m in _WORD_CHARS.finditer(folded)]


def _joinable(folded: str, left: _Run, right: _Run) -> bool:
    gap = folded[left.end:right.start]
    if len(set(left.raw)) == 1 and len(set(right.raw)) == 1 and len(gap) <= 3:
        return True  # "k o r b a n", "T.P.P.O"
    return 0 < len(gap) <= 2 and not any(c.isspace() for c in gap)  # "kor-ban", "kor_ban"


def _readings(raw: str) -> set[str]:
    """The letter strings a run stands for: stand-ins mapped inside, kept or dropped at the ends."""
    lead = len(raw) - len(raw.lstrip("".join(STAND_INS)))
    trail = len(raw) - len(raw.rstrip("".join(STAND_INS)))
    mapped = "".join(STAND_INS.get(c, c) for c in raw)
    if lead == len(raw):
        return {mapped}
    core = mapped[lead:len(mapped) - trail]
    readings = {mapped, core, mapped[:len(mapped) - trail], mapped[lead:]}
    return {r for r in readings if r and not any(c.isdigit() for c in r)}


def _strip_suffixes(word: str, suffixes: Iterable[str]) -> set[str]:
    # With repeats read once a letter may be shared ("kannya" -> "kanya"): keep it too.
    out: set[str] = set()
    for s in suffixes:
        if word.endswith(s) and len(word) - len(s) >= MIN_STEM:
            out.update((word[: -len(s)], word[: -len(s)] + s[0]))
    return out


def _strip_prefixes(word: str) -> set[str]:
    out: set[str] = set()
    for prefix, restores in PREFIXES.items():
        if word.startswith(prefix):
            rest = word[len(prefix):]
            stems = [r + rest for r in restores] + [prefix[-1] + rest]  # a shared letter
            out.update(stem for stem in stems if len(stem) >= MIN_STEM)
    return out


@lru_cache(maxsize=4096)
def forms(token: str) -> frozenset[str]:
    """The token and what is left of it once affixes are stripped (two prefix layers)."""
    found = {token}
    found |= _strip_suffixes(token, PARTICLES)
    found |= {s for f in list(found) for s in _strip_suffixes(f, DERIVATIONAL)}
    found |= {s for f in list(found) for s in _strip_suffixes(f, ENGLISH)}
    for _ in range(2):
        found |= {s for f in list(found) for s in _strip_prefixes(f)}
    return frozenset(found)


Spelling = tuple[str, int]  # (shape: skeleton with repeats once, number of letters)
Shapes = dict[str, tuple[int, bool]]  # shape -> (most letters seen, read loosely)


@dataclass(frozen=True)
class Term:
    """One configured word or phrase, prepared for matching."""

    label: str
    words: tuple[tuple[Spelling, ...], ...]  # per word: its spellings (word, English stem)
    joined: tuple[Spelling, ...]  # the words written together


def _spellings(word: str) -> tuple[Spelling, ...]:
    spelt = {word} | (_strip_suffixes(word, ENGLISH) if len(word) >= 7 else set())
    return tuple((collapse(skeleton(w)), len(w)) for w in sorted(spelt))


@lru_cache(maxsize=64)
def prepare(words: tuple[str, ...]) -> tuple[Term, ...]:
    """Configured words and phrases, folded; blank entries ignored."""
    terms = []
    for label in words:
        parts = ["".join(STAND_INS.get(c, c) for c in r.raw) for r in _runs(fold(label))]
        if parts:
            terms.append(Term(label, tuple(_spellings(p) for p in parts),
                              _spellings("".join(parts))))
    return tuple(terms)


def _add(shapes: Shapes, form: str, loose: bool) -> None:
    shape = collapse(form)
    seen, was_loose = shapes.get(shape, (0, False))
    shapes[shape] = (max(seen, len(form)), was_loose or loose)


@lru_cache(maxsize=8192)
def _shapes_of(reading: str) -> Shapes:
    """The shapes of a reading's forms. A strict form must not have fewer letters than the
    spelling ("TPO" is not "TPPO"); a loose one, stripped after reading repeats once (a doubled
    letter may hide an affix: "ddikorban"), comes from a text that doubled letters on purpose."""
    shapes: Shapes = {}
    for form in forms(reading):
        _add(shapes, form, loose=False)
    short = collapse(reading)
    if short != reading:
        for form in forms(short):
            _add(shapes, form, loose=True)
    return shapes


def _matches(shapes: Shapes, spellings: tuple[Spelling, ...]) -> bool:
    for shape, letters in spellings:
        found = shapes.get(shape)
        if found is not None and (found[1] or found[0] >= letters):
            return True
    return False


@dataclass(frozen=True)
class _Span:
    """What one span of joined runs says, whatever text it is found in: the readings that may
    hold a term (for compounds), the terms it spells whole, and the phrase words it spells as
    ``(term, word)`` index pairs."""

    readings: tuple[str, ...]
    whole: frozenset[int]
    words: frozenset[tuple[int, int]]


@lru_cache(maxsize=16384)
def _span(raw: str, configured: tuple[str, ...]) -> _Span:
    """The verdicts on a span, computed once per spelling: most spans of a message (its
    template's words, names, titles) recur in every message, only a link's key is new."""
    terms = prepare(configured)
    cores = _cores(terms)
    readings: list[str] = []
    shapes: Shapes = {}
    for reading in map(skeleton, _readings(raw)):
        if not _may_hold(reading, cores):
            continue
        readings.append(reading)
        for shape, (letters, loose) in _shapes_of(reading).items():
            seen, was_loose = shapes.get(shape, (0, False))
            shapes[shape] = (max(seen, letters), was_loose or loose)
    if not shapes:
        return _Span(tuple(readings), frozenset(), frozenset())
    return _Span(
        tuple(readings),
        frozenset(n for n, t in enumerate(terms) if _matches(shapes, t.joined)),
        frozenset((n, w) for n, t in enumerate(terms) if len(t.words) > 1
                  for w, spellings in enumerate(t.words) if _matches(shapes, spellings)),
    )


class _Tokens:
    """Every token of a text: spans of joinable runs, each with its verdicts (``_Span``)."""

    def __init__(self, text: str, configured: tuple[str, ...]) -> None:
        folded = fold(text)
        runs = _runs(folded)
        self.readings: list[str] = []
        self.spans: dict[int, list[tuple[int, _Span]]] = {}
        for i in range(len(runs)):
            raw, j = runs[i].raw, i
            while True:
                span = _span(raw, configured)
                self.readings.extend(span.readings)
                self.spans.setdefault(i, []).append((j + 1, span))
                if j + 1 >= len(runs) or not _joinable(folded, runs[j], runs[j + 1]):
                    break
                j += 1
                raw += runs[j].raw
                if len(raw) > MAX_JOINED:
                    break

    def found(self, terms: tuple[Term, ...]) -> set[int]:
        """The numbers of the configured terms in the text: spelt by a span, or (phrases) by
        consecutive spans."""
        found = {n for spans in self.spans.values() for _, span in spans for n in span.whole}
        for number, term in enumerate(terms):
            if number not in found and len(term.words) > 1 and any(
                    self._phrase_from(start, number, 0, len(term.words)) for start in self.spans):
                found.add(number)
        return found

    def _phrase_from(self, start: int, number: int, word: int, words: int) -> bool:
        if word == words:
            return True
        return any((number, word) in span.words and self._phrase_from(end, number, word + 1, words)
                   for end, span in self.spans.get(start, []))

    def compounds(self, configured: tuple[str, ...]) -> set[str]:
        """Terms written together in one token ("korbankekerasan"): a term, then a term
        (affixes allowed after it), read with repeats once."""
        found: set[str] = set()
        for reading in set(self.readings):
            found |= _compound(reading, configured)
        return found


@lru_cache(maxsize=16384)
def _compound(reading: str, configured: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_split_compound(collapse(reading), prepare(configured)))


def _split_compound(reading: str, terms: tuple[Term, ...]) -> set[str]:
    for head in terms:
        for shape, _ in head.joined:
            if len(shape) >= MIN_STEM and reading.startswith(shape) and len(reading) > len(shape):
                tail_shapes = _shapes_of(reading[len(shape):])
                tail = {t.label for t in terms
                        if any(s in tail_shapes for s, _ in t.joined)}
                if tail:
                    return {head.label, *tail}
    return set()


@lru_cache(maxsize=64)
def _cores(terms: tuple[Term, ...]) -> frozenset[str]:
    """What every form matching a term holds, inner letters of its shape: affix stripping only
    cuts the ends of a reading and may add one letter at either end."""
    return frozenset(shape[1:-1] for t in terms for word in (*t.words, t.joined)
                     for shape, _ in word)


def _may_hold(reading: str, cores: frozenset[str]) -> bool:
    short = collapse(reading)
    return any(core in short for core in cores)


@lru_cache(maxsize=1024)
def _find(text: str, words: tuple[str, ...]) -> tuple[str, ...]:
    terms = prepare(words)
    tokens = _Tokens(text, words)
    compounds = tokens.compounds(words)
    found = tokens.found(terms)
    return tuple(t.label for n, t in enumerate(terms) if t.label in compounds or n in found)


def find_words(text: str | None, words: tuple[str, ...]) -> list[str]:
    """The configured ``words`` (as configured) that ``text`` holds, in configuration order."""
    return list(_find(text, tuple(words))) if text else []
