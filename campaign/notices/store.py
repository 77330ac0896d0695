"""The notification table as the domain sees it: a message is recorded once, under its natural key,
in the same transaction as what caused it; delivery (notifications/) picks it up from there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import cast

from sqlalchemy import Table, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from campaign.calendar.clock import TZ
from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.db.upsert import insert_ignoring_conflicts
from campaign.notices.message import ChannelNames, OutgoingMessage


def record_messages(
    session: Session, messages: Sequence[OutgoingMessage], channels: ChannelNames, as_of: datetime
) -> int:
    """Insert messages not recorded before; returns how many are new."""
    if not messages:
        return 0
    # Only the codes these messages name: an intake batch records a few messages among thousands of enterprises.
    ent_codes = {msg.enterprise_code for msg in messages if msg.enterprise_code}
    del_codes = {msg.deliverable_code for msg in messages if msg.deliverable_code}
    E, D = m.Enterprise, m.Deliverable
    ent_ids = dict(session.execute(select(E.code, E.id).where(E.code.in_(ent_codes))).all()) if ent_codes else {}
    del_ids = dict(session.execute(select(D.code, D.id).where(D.code.in_(del_codes))).all()) if del_codes else {}
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


def retire_settled_reminders(session: Session, as_of: datetime) -> int:
    """Cancel the reminders recorded on an earlier day and still waiting to go out whose reason is gone,
    before a sweep would send them: the enterprise has filed the deliverable (accepted) or been excused
    since, or a later reminder for the same item is recorded. One UPDATE; returns how many. (The reminders
    run cancels against its own plan too, see campaign/reminders/store.py; this covers runs that sweep
    without planning.)"""
    from campaign.submissions.store import waiver_condition

    N, S, later = m.Notification, m.Submission, aliased(m.Notification)
    settled = or_(
        exists().where(
            S.enterprise_id == N.enterprise_id,
            S.deliverable_id == N.deliverable_id,
            S.status == "accepted",
            S.received_at <= as_of,
        ),
        waiver_condition(N.enterprise_id, N.deliverable_id, as_of),
        exists().where(
            later.recipient == N.recipient,  # indexed: the enterprise's own messages, not the whole table
            later.kind == "reminder",
            later.enterprise_id == N.enterprise_id,
            later.deliverable_id == N.deliverable_id,
            later.id > N.id,
        ),
    )
    # Only reminders from an earlier day: the ones a reminders run has just planned are due by construction,
    # and checking 10,000 of them against the table cost more than sending them.
    earlier = N.created_at < datetime.combine(as_of.astimezone(TZ).date(), time.min, TZ)
    done = session.execute(
        update(N)
        .where(N.kind == "reminder", N.status == "pending", N.enterprise_id.is_not(None), earlier, settled)
        .values(
            status="cancelled",
            last_error=func.coalesce(N.last_error + "；", "") + "已取消：企业已报送、已免报或已有更新的提醒",
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(done, "rowcount", 0) or 0  # a CursorResult for an UPDATE


def requeue_failed(session: Session, keys: Sequence[str], by: str, at: datetime) -> list[str]:
    """Put messages that failed for good back in the queue (attempts from zero), audited; returns those
    requeued. So too a message held as outcome unknown (no answer in time), which only a person may
    resend, after checking the recipient did not get it. A message already sent or still pending, or a
    key that names no message, is left alone: resending never doubles a delivered one."""
    N = m.Notification
    failed = list(session.scalars(select(N.key).where(N.key.in_(list(keys)), N.status.in_(("failed", "unknown")))))
    if failed:
        session.execute(update(N).where(N.key.in_(failed)).values(status="pending", attempts=0, claimed_by=None))
        for key in failed:
            record_audit(session, at, by, "message.requeued", "notification", key, {})
    return failed
