"""The wilayah tree: province > city/regency > kecamatan > kelurahan/desa, keyed by Kemendagri code."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.models.base import Base

REGION_LEVELS = ("province", "city", "kecamatan", "kelurahan")
# A Kemendagri code has one dot-separated part per level: 31 / 31.73 / 31.73.01 / 31.73.01.1001.
LEVEL_BY_PARTS = {1: "province", 2: "city", 3: "kecamatan", 4: "kelurahan"}
# Each level's parts have a fixed width (2.2.2.4 digits, checked at seeding), so a region's
# ancestors are its code's prefixes of these lengths: a kecamatan's, a city's, a province's.
ANCESTOR_PREFIX_LENGTHS = (8, 5, 2)


class Region(Base):
    """A node of the region tree. Codes nest, so a subtree is ``code = X OR code LIKE 'X.%'``."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint(
            "level IN ('province', 'city', 'kecamatan', 'kelurahan')", name="level_known"
        ),
        CheckConstraint("length(code) >= 2", name="code_not_empty"),
        Index("ix_regions_parent_code", "parent_code"),
        Index("ix_regions_level", "level"),
    )

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(
        String(16), ForeignKey("regions.code", ondelete="RESTRICT")
    )

    parent: Mapped[Region | None] = relationship(remote_side=[code], lazy="joined")

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


def ancestor_codes(code: str) -> list[str]:
    """The code itself and every ancestor, nearest first: 31.73.01.1001, 31.73.01, 31.73, 31."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
