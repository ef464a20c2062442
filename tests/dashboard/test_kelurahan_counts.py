"""Kelurahan per region, walked down the region tree, equal the count by code prefix (the
rule a code carries: a region's kelurahan are the codes that start with its own and a dot)."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Region
from coordinator.models.rollups import COUNTRY_CODE
from coordinator.rollups.queries import kelurahan_counts


def _by_prefix(code: str, kelurahan: list[str]) -> int:
    if code == COUNTRY_CODE:
        return len(kelurahan)
    return sum(k == code or k.startswith(code + ".") for k in kelurahan)


def test_every_level_counts_the_kelurahan_under_it(seeded: Flask) -> None:
    kelurahan = list(db.session.scalars(select(Region.code).where(Region.level == "kelurahan")))
    every_region = list(db.session.scalars(select(Region.code)))
    codes = [COUNTRY_CODE, *every_region, "99", "31.99.99"]  # and two codes with no region

    counts = kelurahan_counts(codes)

    assert counts == {code: _by_prefix(code, kelurahan) for code in codes}
    assert counts["31"] == len(kelurahan) > 250  # DKI Jakarta's 267
    assert counts["31.73"] == 56 and counts["99"] == 0
    assert kelurahan_counts([]) == {}
