"""Record messages under their natural key, then deliver the pending ones through Apprise.

Recording and sending are separate steps: a message is written as `pending` first (insert-or-ignore
on its key), and only a successful Apprise send marks it `sent`. A crash between the two leaves a
pending row that the next run delivers; the outbox file name is the key, so it is never doubled.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import apprise
from sqlalchemy import select
from sqlalchemy.orm import Session

import notifications.outbox  # noqa: F401  (registers the outbox:// schema with Apprise)
from campaign.db import models as m
from campaign.db.upsert import insert_ignoring_conflicts
from campaign.messages import OutgoingMessage
from notifications.channels import Channels, with_delivery_metadata

MAX_ATTEMPTS = 5


def record_messages(session: Session, messages: Sequence[OutgoingMessage], channels: Channels, as_of: datetime) -> int:
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
    return insert_ignoring_conflicts(session, m.Notification.__table__, rows, ["key"])


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # key -> redacted error


def _asset() -> apprise.AppriseAsset:
    # Memory-only: Apprise must not write its own cache files next to the user's profile.
    return apprise.AppriseAsset(storage_mode="memory", async_mode=False)


def send_one(channels: Channels, recipient: str, key: str, title: str, body: str, at: str) -> str | None:
    """Send one message to every channel of its recipient. Returns None on success, else a redacted error."""
    client = apprise.Apprise(asset=_asset())
    for url in channels.urls_for(recipient):
        if not client.add(with_delivery_metadata(url, key, at), tag=recipient):
            return channels.redact(f"无法识别的通知渠道地址：{url}")
    with apprise.LogCapture(level=apprise.logging.WARNING) as log:
        ok = client.notify(title=title, body=body, tag=recipient)
    if ok:
        return None
    detail = " ".join(line.strip() for line in log.getvalue().splitlines() if line.strip())
    return channels.redact(detail or "通知渠道返回失败") [:2000]


def deliver_pending(session: Session, channels: Channels, as_of: datetime, keys: Iterable[str] | None = None) -> DeliveryReport:
    """Try each pending message (optionally only `keys`) once; commit per message so progress survives a crash."""
    query = select(m.Notification).where(m.Notification.status == "pending").order_by(m.Notification.id)
    if keys is not None:
        query = query.where(m.Notification.key.in_(list(keys)))
    report = DeliveryReport()
    for note in session.scalars(query).all():
        note.attempts += 1
        error = send_one(channels, note.recipient, note.key, note.title, note.body, note.created_at.isoformat())
        if error is None:
            note.status, note.sent_at, note.last_error = "sent", as_of, None
            report.sent.append(note.key)
        else:
            note.last_error = error
            if note.attempts >= MAX_ATTEMPTS:
                note.status = "failed"
            report.failed[note.key] = error
        session.commit()
    return report
