"""Typed SQLAlchemy 2 models. Every side effect has a natural key enforced by a unique constraint."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from campaign.clock import TZ


class AwareDateTime(TypeDecorator):
    """Timezone-aware on both sides: SQLite drops offsets, so store UTC and hand back Asia/Shanghai."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one (as_of)")
        return value.astimezone(timezone.utc).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(TZ)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: AwareDateTime()}


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200))
    issue_date: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))


class Phase(Base):
    __tablename__ = "phase"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)


class Enterprise(Base):
    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(8))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    contacts: Mapped[list[Any]] = mapped_column(default=list)


class Deliverable(Base):
    __tablename__ = "deliverable"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("phase.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str | None] = mapped_column(String(8))
    opens_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    file_kinds: Mapped[list[Any]] = mapped_column(default=list)
    char_limit: Mapped[int | None] = mapped_column(Integer)
    template: Mapped[str | None] = mapped_column(String(64))

    phase: Mapped[Phase] = relationship()


class Submission(Base):
    """One received file version. Same bytes twice for the same (enterprise, deliverable) = one row."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "deliverable_id", "content_hash", name="uq_submission_content"),
        UniqueConstraint("enterprise_id", "deliverable_id", "version", name="uq_submission_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverable.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str | None] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
    on_time: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))  # accepted | rejected
    errors: Mapped[list[Any]] = mapped_column(default=list)  # [{code, message, hint}]
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())

    enterprise: Mapped[Enterprise] = relationship()
    deliverable: Mapped[Deliverable] = relationship()


class Notification(Base):
    """One message to one recipient. `key` is the natural key that makes sending idempotent."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # notice | reminder | receipt | rejection | digest
    recipient: Mapped[str] = mapped_column(String(64), index=True)  # Apprise tag: enterprise code or "sasac"
    channel: Mapped[str] = mapped_column(String(200))  # Apprise schemas only, never URLs (they carry tokens)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    deliverable_id: Mapped[int | None] = mapped_column(ForeignKey("deliverable.id"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]  # business time (the flow's as_of)
    sent_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Who is sending it (status "sending") or sent it, and since when (wall clock: a lease, not business time).
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]


class WorkClaim(Base):
    """A unit of work taken by one worker. Claiming is an INSERT that loses on the unique key, so two
    workers (threads, processes or machines; SQLite or PostgreSQL) never both get the same item."""

    __tablename__ = "work_claim"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_work_claim"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. inbox
    key: Mapped[str] = mapped_column(String(500))  # natural key of the item, e.g. inbox path + content hash
    status: Mapped[str] = mapped_column(String(16), default="claimed", index=True)  # claimed | done
    claimed_by: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime]  # wall clock: lease start
    finished_at: Mapped[datetime | None]


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]  # business time (as_of)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
