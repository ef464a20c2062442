"""What is counted (indicators), the yearly targets, monthly case statistics and annotations.

Case statistics are aggregate monthly counts per kelurahan: never anything about a person.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.models.base import Base, UTCDateTime, utcnow
from coordinator.models.regions import Region


class Indicator(Base):
    """What is counted. An indicator may define how its counts must agree with others':
    ``sum_of`` lists the codes whose counts add up to this one (KTPA victims = women + children),
    ``within_code`` names the indicator that also counts this one's cases (TPPO victims are
    KTPA victims), so this one may not exceed it. See :mod:`coordinator.domain.case_stat_rules`.
    """

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40), default="korban", server_default="korban")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    sum_of: Mapped[list[str] | None] = mapped_column(JSON)
    within_code: Mapped[str | None] = mapped_column(String(40))

    def __repr__(self) -> str:
        return f"<Indicator {self.code}>"


class Target(Base):
    """The target of ``year`` for one indicator in one region, against a baseline.

    The baseline carries its period (months of ``baseline_year``) and its source, because
    progress must compare like periods (Jan-Oct 2022 against Jan-Oct 2021).
    """

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("region_code", "indicator_id", "year"),
        CheckConstraint("baseline_value >= 0", name="baseline_non_negative"),
        CheckConstraint("target_value >= 0", name="target_non_negative"),
        CheckConstraint(
            "baseline_month_from BETWEEN 1 AND 12 AND baseline_month_to BETWEEN 1 AND 12 "
            "AND baseline_month_from <= baseline_month_to",
            name="baseline_period_valid",
        ),
        CheckConstraint("rule IN ('not_above_baseline', 'reduce_by_percent')", name="rule_known"),
        CheckConstraint(
            "direction IN ('lower_is_better', 'higher_is_better')", name="direction_known"
        ),
        CheckConstraint(
            "reduce_percent IS NULL OR (reduce_percent >= 0 AND reduce_percent <= 100)",
            name="reduce_percent_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    baseline_year: Mapped[int] = mapped_column(Integer)
    baseline_month_from: Mapped[int] = mapped_column(Integer)
    baseline_month_to: Mapped[int] = mapped_column(Integer)
    baseline_value: Mapped[int] = mapped_column(Integer)
    baseline_source: Mapped[str] = mapped_column(String(200))
    target_value: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(24), default="not_above_baseline")
    reduce_percent: Mapped[float | None] = mapped_column(Numeric(5, 2))
    direction: Mapped[str] = mapped_column(String(20), default="lower_is_better")

    region: Mapped[Region] = relationship()
    indicator: Mapped[Indicator] = relationship()


class CaseStat(Base):
    """The count of one indicator in one kelurahan for one month (``month`` is its first day)."""

    __tablename__ = "case_stats"
    __table_args__ = (
        UniqueConstraint("kelurahan_code", "indicator_id", "month"),
        CheckConstraint("count >= 0", name="count_non_negative"),
        Index("ix_case_stats_indicator_id_month", "indicator_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="RESTRICT"))
    month: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    indicator: Mapped[Indicator] = relationship()


class Annotation(Base):
    """A dated note pinned by a lead to an indicator in a region ("new reporting post opened")."""

    __tablename__ = "annotations"
    __table_args__ = (Index("ix_annotations_indicator_id_region_code", "indicator_id", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    on_date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
