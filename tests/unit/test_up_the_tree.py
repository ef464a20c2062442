"""The recompute's rows up the region tree (``up_the_tree``, by fixed-length code prefix),
summed, give for every region the sum of the rows whose code is that region's or lies under it
and for the country the sum of all: codes of any level mixed, as ``ancestor_codes`` says."""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from coordinator.models.regions import ancestor_codes
from coordinator.models.rollups import COUNTRY_CODE
from coordinator.rollups.expected import up_the_tree
from coordinator.seeding.regions import CODE_PATTERN

CODES = ["31", "31.73", "31.74", "31.73.04", "31.73.05", "31.73.04.1001", "31.73.04.1002",
         "31.73.05.1001", "32.01.01.2001"]
rows = st.lists(st.tuples(st.integers(1, 2), st.sampled_from(CODES), st.integers(0, 5)),
                max_size=30)
ENGINE = create_engine("sqlite://")


@settings(max_examples=60, deadline=None)
@given(rows)
def test_each_region_sums_itself_and_everything_under_it(source: list[tuple[int, str, int]]) -> None:
    assert all(CODE_PATTERN.match(code) for code in CODES)
    expected: Counter[tuple[int, str]] = Counter()
    for key, code, value in source:
        for region in [*ancestor_codes(code), COUNTRY_CODE]:
            expected[(key, region)] += value
    with ENGINE.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE src (k INTEGER, kelurahan_code TEXT, v INTEGER)"))
        if source:
            conn.execute(text("INSERT INTO src VALUES (:k, :c, :v)"),
                         [{"k": k, "c": c, "v": v} for k, c, v in source])
        found = {(k, code): v for k, code, v in conn.execute(text(
            f"SELECT k, region_code, SUM(v) FROM ({up_the_tree('src', 'k, v')}) t "
            "GROUP BY k, region_code"))}
        conn.execute(text("DROP TABLE src"))
    assert found == dict(expected)
