"""Outreach targets: how many people a program aims to reach (outputs beside the outcomes).

One target per program and area (its own region or one below, e.g. a kecamatan), for every
network (``network_id`` NULL) or for one network. People reached are read from the program
rollups of the same area and network.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.models.base import Base, UTCDateTime, utcnow
from coordinator.models.networks import Network
from coordinator.models.regions import Region


class OutreachTarget(Base):
    __tablename__ = "outreach_targets"
    __table_args__ = (
        CheckConstraint("people > 0", name="people_positive"),
        Index("uq_outreach_targets_all_networks", "program_id", "region_code", unique=True,
              sqlite_where=text("network_id IS NULL"),
              postgresql_where=text("network_id IS NULL")),
        Index("uq_outreach_targets_network", "program_id", "region_code", "network_id",
              unique=True, sqlite_where=text("network_id IS NOT NULL"),
              postgresql_where=text("network_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(
        String(16), ForeignKey("regions.code", ondelete="RESTRICT"))
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="RESTRICT"))
    people: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    network: Mapped[Network | None] = relationship()
