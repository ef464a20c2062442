"""A region's ancestors are its code's prefixes: the rule the incremental rollups follow
(``ancestor_codes``, by the dots) and the one the recompute follows in SQL (fixed-length
prefixes), for every code seeding accepts."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coordinator.models.regions import ANCESTOR_PREFIX_LENGTHS, ancestor_codes
from coordinator.seeding.regions import CODE_PATTERN

codes = st.from_regex(CODE_PATTERN, fullmatch=True)


@given(codes)
def test_fixed_length_prefixes_are_the_ancestors_by_the_dots(code: str) -> None:
    by_prefix = [code[:length] for length in ANCESTOR_PREFIX_LENGTHS if len(code) > length]
    assert ancestor_codes(code)[1:] == by_prefix


def test_a_kelurahan_has_three_ancestors() -> None:
    assert ancestor_codes("31.73.04.1001") == ["31.73.04.1001", "31.73.04", "31.73", "31"]


def test_a_code_is_ascii_digits() -> None:
    assert CODE_PATTERN.match("31.73")
    assert not CODE_PATTERN.match("\u0663\u0661.73")  # Arabic-Indic digits are \d too
