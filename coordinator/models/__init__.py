"""Every model, imported here so that Alembic and the app see the whole schema."""
from coordinator.models.audit import AuditEntry
from coordinator.models.base import Base, utcnow
from coordinator.models.inbound_sms import InboundSms
from coordinator.models.links import ShortLink
from coordinator.models.networks import Network
from coordinator.models.notification_log import DeliveryAttempt, DigestItem, OverdueMark, SweepMark
from coordinator.models.notifications import Notification
from coordinator.models.outbox import Event, ProcessedEvent
from coordinator.models.outreach import OutreachTarget
from coordinator.models.people import ApiToken, Person, person_networks
from coordinator.models.programs import Action, BulkAssignment, Program, ProgramClosedAction
from coordinator.models.regions import Region
from coordinator.models.reliability import DeadLetter, IdempotentRequest
from coordinator.models.rollups import (
    IndicatorRollup,
    ProgramRollup,
    RollupActionState,
    RollupDrift,
    RollupMark,
    RollupRun,
)
from coordinator.models.sessions import WebSession
from coordinator.models.targets import Annotation, CaseStat, Indicator, Target

__all__ = [
    "Action", "Annotation", "ApiToken", "AuditEntry", "Base", "BulkAssignment", "CaseStat",
    "DeadLetter", "DeliveryAttempt", "DigestItem", "Event", "IdempotentRequest", "InboundSms",
    "Indicator", "IndicatorRollup", "Network", "Notification", "OutreachTarget", "OverdueMark",
    "Person", "ProcessedEvent", "Program", "ProgramClosedAction", "ProgramRollup", "Region",
    "RollupActionState",
    "RollupDrift", "RollupMark", "RollupRun", "ShortLink", "SweepMark", "Target", "WebSession",
    "person_networks", "utcnow",
]
