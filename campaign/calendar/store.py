"""Which days the campaign clock has completed: one `clock.tick` audit row per finished day.

The row is the clock's natural key: a day that finished is not run again (a rerun, a second
worker, or a simulation replayed over the same home changes nothing); a day that failed half-way
has no row and runs again, every step of it being idempotent on its own.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.db import models as m
from campaign.db.audit import record_audit

ACTION = "clock.tick"


def completed_days(session: Session, start: date | None = None, end: date | None = None) -> set[date]:
    query = sa.select(m.AuditEvent.entity_key).where(m.AuditEvent.action == ACTION)
    keys = session.scalars(query).all()
    days = {date.fromisoformat(k) for k in keys}
    return {d for d in days if (start is None or d >= start) and (end is None or d <= end)}


def is_completed(session: Session, day: date) -> bool:
    query = sa.select(m.AuditEvent.id).where(m.AuditEvent.action == ACTION, m.AuditEvent.entity_key == day.isoformat())
    return session.scalar(query.limit(1)) is not None


def mark_completed(session: Session, day: date, at: datetime, detail: dict) -> None:
    if not is_completed(session, day):
        record_audit(session, at, "campaign-clock", ACTION, "clock", day.isoformat(), detail)
