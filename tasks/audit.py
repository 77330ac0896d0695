"""Audit trail: who did what, when (business time), to which entity."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from campaign.db.audit import record_audit
from campaign.db.session import session_scope


@task(name="audit")
def audit(action: str, entity: str, entity_key: str, at: datetime, detail: dict, actor: str = "system") -> None:
    with session_scope() as session:
        record_audit(session, at, actor, action, entity, entity_key, detail)
