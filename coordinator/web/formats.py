"""Numbers, percentages and dates in the reader's locale, through Babel: Indonesian by default
(1.051; 20,5; 34,1%; 01-12-2026). Whole counts never show decimals. The functions are pure
given a locale; the Jinja filters (``number``, ``percent``, ``share``, ``day``) use the page's."""
from __future__ import annotations

import functools
from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern
from flask_babel import get_locale

NONE = "–"


def _locale(locale: str | None) -> str:
    if locale is not None:
        return locale
    current = get_locale()
    return str(current) if current is not None else "id"


@functools.lru_cache(maxsize=32)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@functools.lru_cache(maxsize=8)
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


def _format(value: float, pattern: str, locale: str | None) -> str:
    """Babel's ``format_decimal`` / ``format_percent`` (the same call underneath), with the
    parsed pattern and locale kept: parsing them was two thirds of the cost of a number, and
    the dashboard formats hundreds per page."""
    return _pattern(pattern).apply(value, _babel_locale(_locale(locale)))


def number(value: float | None, locale: str | None = None, signed: bool = False) -> str:
    """A count without decimals (1.051), any other number with one (20,5); ``signed``: +3."""
    if value is None:
        return NONE
    whole = float(value).is_integer()
    pattern = "#,##0" if whole else "#,##0.0"
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return _format(int(value) if whole else value, pattern, locale)


def percent(value: float | None, locale: str | None = None, signed: bool = False) -> str:
    """A percentage given in percent (34.1 -> 34,1%), one decimal; ``signed``: +37,0%."""
    if value is None:
        return NONE
    pattern = "#,##0.0%"
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return _format(value / 100, pattern, locale)


def share(value: float | None, locale: str | None = None) -> str:
    """A share of a whole in whole percent (307 of 1,051 -> 29%)."""
    if value is None:
        return NONE
    return _format(value / 100, "#,##0%", locale)


def day(value: date | None, locale: str | None = None) -> str:
    """A date as 01-12-2026."""
    if value is None:
        return ""
    return format_date(value, "dd-MM-yyyy", locale=_locale(locale))


def signed_number(value: float | None) -> str:
    return number(value, signed=True)


def signed_percent(value: float | None) -> str:
    return percent(value, signed=True)
