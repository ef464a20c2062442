"""People (every user, from admin to cadre), their networks and their API tokens."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, lazyload, load_only, mapped_column, relationship
from sqlalchemy.orm.interfaces import ORMOption

from coordinator.models.base import Base, UTCDateTime, utcnow
from coordinator.models.networks import Network
from coordinator.models.regions import Region

ROLES = ("admin", "lead", "coordinator", "cadre")
CHANNEL_PREFERENCES = ("sms", "email", "both")

person_networks = Table(
    "person_networks",
    Base.metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("networks.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_person_networks_network_id", "network_id"),
)


class Person(Base):
    """A user. ``region_code`` is the home region and, for leads and coordinators, their scope."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'lead', 'coordinator', 'cadre')", name="role_known"),
        CheckConstraint("language IN ('id', 'en')", name="language_known"),
        CheckConstraint(
            "channel_preference IN ('sms', 'email', 'both')", name="channel_preference_known"
        ),
        CheckConstraint("phone IS NULL OR phone LIKE '+%'", name="phone_e164"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
        Index("ix_people_region_code_role", "region_code", "role"),
        Index("ix_people_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code", ondelete="RESTRICT"))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="id", server_default="id")
    channel_preference: Mapped[str] = mapped_column(
        String(8), default="sms", server_default="sms"
    )
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")
    networks: Mapped[list[Network]] = relationship(secondary=person_networks, lazy="selectin")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.role} {self.name}>"


def narrow_person() -> tuple[ORMOption, ...]:
    """Loader options for the person a request acts for: what it needs (id, name for the
    greeting, role and region for the scope, language, active flag) in one narrow row, no
    region or networks; any other attribute loads on first use."""
    return (load_only(Person.id, Person.name, Person.role, Person.region_code, Person.language,
                      Person.active), lazyload(Person.region), lazyload(Person.networks))


@cache  # built once: loader options are immutable, and building them cost as much as the read
def addressee_columns() -> tuple[ORMOption, ...]:
    """Loader options for the recipient of a message being sent: what composing and the
    channels need (name, language, phone, e-mail; role and region for a link's purpose) in one
    narrow row, no region or networks; any other attribute loads on first use."""
    return (load_only(Person.id, Person.name, Person.role, Person.region_code, Person.language,
                      Person.phone, Person.email, Person.active),
            lazyload(Person.region), lazyload(Person.networks))


class ApiToken(Base):
    """A per-user API token; only its SHA-256 is stored, the token is shown once.

    It expires (``API_TOKEN_DAYS``); ``last_used_at`` is written at most once an hour."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
