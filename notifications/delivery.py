"""Record messages under their natural key, then deliver the pending ones through Apprise.

Recording and sending are separate steps: a message is written as `pending` first (insert-or-ignore
on its key), and only a successful Apprise send marks it `sent`. A crash between the two leaves a
pending row that the next run delivers; the outbox file name is the key, so it is never doubled.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import apprise
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, aliased

import notifications.outbox  # noqa: F401  (registers the outbox:// schema with Apprise)
from campaign.db import models as m
from campaign.db.claims import wall_clock, worker_identity
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


CLAIM_CHUNK = 50
KEY_CHUNK = 5000
# A message left 'sending' this long belongs to a deliverer that died mid-send; another may take it.
SENDING_LEASE = timedelta(minutes=10)


def claim_pending(session: Session, worker: str, keys: list[str] | None = None, limit: int = CLAIM_CHUNK,
                  now: datetime | None = None) -> list[m.Notification]:
    """Atomically move up to `limit` deliverable messages to 'sending' for `worker`, and return them.

    PostgreSQL: the candidates are selected FOR UPDATE SKIP LOCKED and updated in the same
    transaction, so concurrent deliverers take disjoint sets without waiting on each other (a row
    changed before we lock it is re-checked against the WHERE clause). SQLite has no row locks; a
    single UPDATE ... WHERE id IN (sub-select) runs under its database-wide writer lock, so the second
    deliverer waits (busy_timeout) and then finds the rows no longer 'pending'.
    """
    now = now or wall_clock()
    N, C = m.Notification, aliased(m.Notification)  # the alias keeps the sub-select uncorrelated

    def claimable(t):
        # Another deliverer's stale claim may be taken over; our own failures wait for the end of the call.
        stale = and_(t.status == "sending", t.claimed_at < now - SENDING_LEASE, t.claimed_by != worker)
        return or_(t.status == "pending", stale)

    candidates = select(C.id).where(claimable(C)).order_by(C.id).limit(limit)
    if keys is not None:
        candidates = candidates.where(C.key.in_(keys))
    claim = dict(status="sending", claimed_by=worker, claimed_at=now, attempts=N.attempts + 1)
    session.commit()  # start the claim in a fresh transaction
    if session.bind.dialect.name == "postgresql":
        # Two statements, one transaction: the rows stay locked by us until the commit. (A single
        # UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) is not safe: the planner
        # may rescan the sub-select and the LIMIT then no longer bounds the update.)
        ids = list(session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(N).where(N.id.in_(ids)).values(**claim).execution_options(synchronize_session=False))
    else:
        # SQLite: the UPDATE takes the database-wide write lock first, so the sub-select sees the latest rows.
        ids = session.execute(
            update(N)
            .where(N.id.in_(candidates.scalar_subquery()), claimable(N))
            .values(**claim)
            .returning(N.id)
            .execution_options(synchronize_session=False)
        ).scalars().all()
    session.commit()
    if not ids:
        return []
    return list(session.scalars(select(N).where(N.id.in_(ids)).order_by(N.id).execution_options(populate_existing=True)))


def deliver_pending(session: Session, channels: Channels, as_of: datetime, keys: Iterable[str] | None = None,
                    worker: str | None = None, now: datetime | None = None) -> DeliveryReport:
    """Try each pending message (optionally only `keys`) once; commit per message so progress survives a crash.

    Safe with several deliverers at once (processes, machines): each message is claimed by exactly one
    of them before it is sent, so none is sent twice. Failures stay claimed until the end of this call
    (so this call does not retry them) and then go back to 'pending', or 'failed' after MAX_ATTEMPTS.
    """
    worker = worker or worker_identity()
    keys = None if keys is None else list(keys)
    # Bounded IN lists: SQLite allows at most 32766 bound parameters per statement.
    key_chunks = [None] if keys is None else [keys[i : i + KEY_CHUNK] for i in range(0, len(keys), KEY_CHUNK)]
    report = DeliveryReport()
    retry_later: list[m.Notification] = []
    for chunk in key_chunks:
        # A failed message stays 'sending' (claimed by us) until the end of this call, so the loop
        # cannot pick it up again and ends when nothing pending is left.
        while batch := claim_pending(session, worker, chunk, now=now):
            for note in batch:
                error = send_one(channels, note.recipient, note.key, note.title, note.body, note.created_at.isoformat())
                if error is None:
                    note.status, note.sent_at, note.last_error = "sent", as_of, None
                    report.sent.append(note.key)
                else:
                    note.last_error = error
                    report.failed[note.key] = error
                    retry_later.append(note)
                session.commit()
    for note in retry_later:
        note.status = "failed" if note.attempts >= MAX_ATTEMPTS else "pending"
        note.claimed_by = note.claimed_at = None
    session.commit()
    return report
