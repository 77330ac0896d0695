"""Typed SQLAlchemy 2 models. Every side effect has a natural key enforced by a unique constraint."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from campaign.calendar.clock import TZ


class AwareDateTime(TypeDecorator):
    """Timezone-aware on both sides: SQLite drops offsets, so store UTC and hand back Asia/Shanghai."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one (as_of)")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
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
    # What the file says as data besides its task rows: {"self_review": {went_well, lagging, adjustments}, ...}
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # 备案 review by SASAC staff: filed (已备案) or returned (退回, status becomes rejected). A return is a new
    # state of this version, never a deletion: the file and its rows stay, and reviewed_at lets a view as of an
    # earlier moment still see it as it was then.
    review: Mapped[str | None] = mapped_column(String(16))  # filed | returned
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None]
    review_reason: Mapped[str | None] = mapped_column(Text)

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
    # pending | sending (claimed by one deliverer) | sent | failed | cancelled (an undelivered reminder
    # no longer due: see campaign/reminder_plan.py)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
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


class TaskItem(Base):
    """One row of an accepted Attachment 2 task list (目标任务清单). Later phases score and track these."""

    __tablename__ = "task_item"
    __table_args__ = (UniqueConstraint("submission_id", "row_no", name="uq_task_item_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverable.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)  # row in the sheet, as the enterprise sees it
    seq: Mapped[str | None] = mapped_column(String(20))  # 序号
    level1: Mapped[str] = mapped_column(String(100))  # 一级任务 (对标维度)
    level2: Mapped[str | None] = mapped_column(Text)  # 二级任务
    core_indicator: Mapped[str | None] = mapped_column(String(40))  # set when the row is one of the six
    benchmark_status: Mapped[str | None] = mapped_column(Text)  # 标杆企业现状
    current_status: Mapped[str | None] = mapped_column(Text)  # 企业现状
    gap: Mapped[str | None] = mapped_column(Text)  # 存在差距
    overall_target: Mapped[str | None] = mapped_column(Text)  # 发展目标 / 总体目标
    annual_target_text: Mapped[str | None] = mapped_column(String(100))  # 年度目标值 as written
    annual_target_value: Mapped[float | None] = mapped_column(Float)
    annual_target_unit: Mapped[str | None] = mapped_column(String(20))
    annual_target_comparator: Mapped[str | None] = mapped_column(String(8))
    measures: Mapped[str | None] = mapped_column(Text)  # 主要措施
    actual_value: Mapped[str | None] = mapped_column(Text)  # 实际完成值
    scoring_rule: Mapped[str | None] = mapped_column(Text)  # 计分规则 (SASAC)
    score: Mapped[float | None] = mapped_column(Float)  # 年度考核得分 (SASAC)
    remarks: Mapped[str | None] = mapped_column(Text)  # 备注


class Assessment(Base):
    """One annual assessment (年度考核) per year: scored -> awaiting_review -> final."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(20))  # scored | awaiting_review | final
    as_of: Mapped[datetime]
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    reviewer: Mapped[str | None] = mapped_column(String(100))
    finalized_at: Mapped[datetime | None]


class AssessmentScore(Base):
    """One scored list row; `auto_score` is the rule's result, `score` what counts after SASAC's review."""

    __tablename__ = "assessment_score"
    __table_args__ = (UniqueConstraint("assessment_id", "enterprise_id", "row_no", name="uq_assessment_score_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(String(40))
    direction: Mapped[Literal["higher", "lower"]] = mapped_column(String(8), default="higher")
    target: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    rule_kind: Mapped[str] = mapped_column(String(20))
    rule_text: Mapped[str] = mapped_column(Text)
    completion: Mapped[float | None] = mapped_column(Float)
    auto_score: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    adjusted: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Enterprise] = relationship()


class AssessmentResult(Base):
    __tablename__ = "assessment_result"
    __table_args__ = (UniqueConstraint("assessment_id", "enterprise_id", name="uq_assessment_result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    base_total: Mapped[float] = mapped_column(Float)
    total: Mapped[float] = mapped_column(Float)
    rank_in_category: Mapped[int] = mapped_column(Integer)
    category_size: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(20))
    notes: Mapped[list[Any]] = mapped_column(default=list)

    enterprise: Mapped[Enterprise] = relationship()


class ProgressItem(Base):
    """One row of an accepted 进展情况 workbook: the half-year value against a task item's annual target."""

    __tablename__ = "progress_item"
    __table_args__ = (UniqueConstraint("submission_id", "task_row_no", name="uq_progress_item_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverable.id"), index=True)
    task_row_no: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    target_text: Mapped[str | None] = mapped_column(String(100))
    value_text: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    issues: Mapped[str | None] = mapped_column(Text)


class ProgressNarrative(Base):
    """总体进展情况 of one accepted 进展情况 submission."""

    __tablename__ = "progress_narrative"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)


class PortalLink(Base):
    """A personal sign-in link to the enterprise portal, bound to one enterprise and one contact.

    The token itself is never stored: it is an HMAC over this row's id, enterprise and expiry, signed
    with the server-side secret (campaign/web/links.py), so it can be rebuilt when a message is sent
    and refused as soon as the row is revoked or expired.
    """

    __tablename__ = "portal_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    contact: Mapped[str] = mapped_column(String(100))  # the contact's name (enterprises.yaml)
    issued_at: Mapped[datetime]  # wall clock: links are a security lease, not business time
    expires_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(100))  # "delivery" or the staff member's command
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    enterprise: Mapped[Enterprise] = relationship()


class Waiver(Base):
    """免报: SASAC excuses an enterprise from one deliverable, with a reason. Reminders, overdue digests and
    completeness figures stop counting it from `granted_at` (business time) until `revoked_at`; a file the
    enterprise files anyway is still received and counts."""

    __tablename__ = "waiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverable.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime]
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
    deliverable: Mapped[Deliverable] = relationship()


class StaffUser(Base):
    """A SASAC staff account (区国资委工作人员): role 查看 / 审核 / 管理, an argon2 password hash, never the
    password itself."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(8))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]  # wall clock: accounts are security records, not business time
    password_changed_at: Mapped[datetime]
