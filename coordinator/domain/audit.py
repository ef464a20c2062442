"""Writes audit entries in the current transaction."""
from __future__ import annotations

from typing import Any

from coordinator.extensions import db
from coordinator.models import AuditEntry, utcnow


def record_audit(
    actor_id: int | None,
    operation: str,
    entity_type: str,
    entity_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Record who did ``operation`` on an entity, with its values before and after."""
    db.session.add(
        AuditEntry(
            actor_id=actor_id,
            operation=operation,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            at=utcnow(),
        )
    )
