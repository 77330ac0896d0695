"""The audit trail: who did what, when, to which entity. One writer, so every event is shaped alike."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from campaign.db import models as m


def record_audit(
    session: Session, at: datetime, actor: str, action: str, entity: str, key: str, detail: dict | None = None
) -> None:
    """Add one audit event to the caller's transaction (it lands with the change it records, or not at all)."""
    session.add(
        m.AuditEvent(at=at, actor=actor[:100], action=action, entity=entity, entity_key=key[:200], detail=detail or {})
    )
