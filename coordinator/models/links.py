"""Short links in messages: a random key stands for one person, one action and one purpose.

The key is all the URL carries (``/t/<key>``); what it means lives here, so a link can expire,
be revoked (a link sent again replaces the old one) and be purged once long expired.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from coordinator.models.base import Base, UTCDateTime, utcnow

LINK_PURPOSES = ("do", "follow_up", "assign")


class ShortLink(Base):
    __tablename__ = "short_links"
    __table_args__ = (
        CheckConstraint("purpose IN ('do', 'follow_up', 'assign')", name="purpose_known"),
        # A message about an action reuses the live key of the same person and purpose.
        Index("ix_short_links_person_id_action_id", "person_id", "action_id", "purpose"),
        Index("ix_short_links_action_id", "action_id"),
        Index("ix_short_links_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ShortLink {self.id} p{self.person_id} a{self.action_id} {self.purpose}>"
