"""The notification table as the domain sees it: a message is recorded once, under its natural key,
in the same transaction as what caused it; delivery (notifications/) picks it up from there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.db.upsert import insert_ignoring_conflicts
from campaign.notices.message import ChannelNames, OutgoingMessage


def record_messages(
    session: Session, messages: Sequence[OutgoingMessage], channels: ChannelNames, as_of: datetime
) -> int:
    """Insert messages not recorded before; returns how many are new."""
    ent_ids = dict(session.execute(select(m.Enterprise.code, m.Enterprise.id)).all())
    del_ids = dict(session.execute(select(m.Deliverable.code, m.Deliverable.id)).all())
    rows = [
        {
            "key": msg.key,
            "kind": msg.kind,
            "recipient": msg.recipient,
            "channel": channels.schemas_for(msg.recipient),
            "enterprise_id": ent_ids.get(msg.enterprise_code) if msg.enterprise_code else None,
            "deliverable_id": del_ids.get(msg.deliverable_code) if msg.deliverable_code else None,
            "title": msg.title,
            "body": msg.body,
            "status": "pending",
            "attempts": 0,
            "created_at": as_of,
        }
        for msg in messages
    ]
    # Declarative types __table__ as FromClause (it may be a join); this class maps a plain Table.
    return insert_ignoring_conflicts(session, cast(Table, m.Notification.__table__), rows, ["key"])


def requeue_failed(session: Session, keys: Sequence[str], by: str, at: datetime) -> list[str]:
    """Put messages that failed for good back in the queue (attempts from zero), audited; returns those
    requeued. A message already sent, pending or unknown is left alone: resending can never double one."""
    N = m.Notification
    failed = list(session.scalars(select(N.key).where(N.key.in_(list(keys)), N.status == "failed")))
    if failed:
        session.execute(update(N).where(N.key.in_(failed)).values(status="pending", attempts=0, claimed_by=None))
        for key in failed:
            record_audit(session, at, by, "message.requeued", "notification", key, {})
    return failed
