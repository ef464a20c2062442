"""Plain stand-ins for people and actions: the pure rules read attributes, nothing else."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from coordinator.policy import Reason

NOW = datetime(2022, 3, 15, 10, 0, tzinfo=UTC)
KEL = "31.73.04.1001"  # a kelurahan of Kecamatan Tambora, Jakarta Barat
OTHER_KEL = "31.73.08.1001"  # Kembangan: another kecamatan


@dataclass
class P:
    id: int
    role: str
    region_code: str
    active: bool = True
    is_authenticated: bool = True


@dataclass
class A:
    assignee_id: int | None = 1
    kelurahan_code: str = KEL
    status: str = "open"
    completed_at: datetime | None = None
    completed_by_id: int | None = None
    due_at: datetime = NOW
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None


CADRE = P(1, "cadre", KEL)
OTHER_CADRE = P(2, "cadre", KEL)
COORDINATOR = P(3, "coordinator", KEL)
KEC_LEAD = P(4, "lead", "31.73.04")
CITY_LEAD = P(5, "lead", "31.73")
ADMIN = P(6, "admin", "31")
OUTSIDER = P(7, "coordinator", OTHER_KEL)


def reason(decision) -> Reason | None:  # type: ignore[no-untyped-def]
    """The reason a decision refuses, or None when it allows."""
    return None if decision else decision.reason
