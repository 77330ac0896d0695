"""Audit trail: who did what, when (business time), to which entity."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from campaign.db import models as m
from campaign.db.session import session_scope


@task(name="audit")
def audit(action: str, entity: str, entity_key: str, at: datetime, detail: dict, actor: str = "system") -> None:
    with session_scope() as session:
        session.add(
            m.AuditEvent(at=at, actor=actor, action=action, entity=entity, entity_key=entity_key, detail=detail)
        )
