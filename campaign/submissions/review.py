"""备案 review: SASAC staff confirm a received version as 已备案, or return it with a reason.

A return is a new state of that version, never a deletion: the stored file and its rows stay, the
version's status becomes `rejected` with the reason as its problem (so reminders, the portal and every
report treat it as owed again), and the enterprise gets a return message recorded in the same
transaction. Both decisions are audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.config.model import CampaignConfig
from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.errors import InvalidRequest, UnknownCode
from campaign.notices.message import ChannelNames, OutgoingMessage
from campaign.notices.render import render_message
from campaign.notices.store import record_messages

RETURNED = "E_RETURNED"
MAX_REASON = 500


def return_key(enterprise: str, deliverable: str, version: int) -> str:
    return f"return:{enterprise}:{deliverable}:v{version}"


def _reviewable(session: Session, submission_id: int) -> m.Submission:
    sub = session.get(m.Submission, submission_id)
    if sub is None:
        raise UnknownCode(f"没有编号为 {submission_id} 的报送版本")
    if sub.review is not None:
        word = "已备案" if sub.review == "filed" else "已退回"
        raise InvalidRequest(
            f"该版本已于 {sub.reviewed_at:%Y-%m-%d %H:%M} 由 {sub.reviewed_by} 审核（{word}），不能重复审核"
        )
    if sub.status != "accepted":
        raise InvalidRequest("只有已接收的版本可以审核；未通过校验的版本已自动退回")
    if not _is_latest(session, sub):
        raise InvalidRequest("企业已报送更新的版本，请审核最新版本")
    return sub


def _is_latest(session: Session, sub: m.Submission) -> bool:
    newest = session.scalar(
        select(m.Submission.id)
        .where(
            m.Submission.enterprise_id == sub.enterprise_id,
            m.Submission.deliverable_id == sub.deliverable_id,
            m.Submission.status == "accepted",
        )
        .order_by(m.Submission.version.desc())
        .limit(1)
    )
    return newest == sub.id


def file_submission(session: Session, submission_id: int, reviewer: str, at: datetime) -> m.Submission:
    """Confirm the version that counts as 已备案."""
    sub = _reviewable(session, submission_id)
    sub.review, sub.reviewed_by, sub.reviewed_at = "filed", reviewer, at
    record_audit(session, at, reviewer, "submission.filed", "submission", _entity_key(sub), {"submission_id": sub.id})
    return sub


def return_submission(
    session: Session,
    config: CampaignConfig,
    channels: ChannelNames,
    submission_id: int,
    reviewer: str,
    reason: str,
    at: datetime,
) -> OutgoingMessage:
    """Return an accepted version with a reason; records (does not send) the enterprise's return message."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidRequest("退回须写明理由，理由将发给企业并显示在其报送页面")
    if len(reason) > MAX_REASON:
        raise InvalidRequest(f"退回理由最多 {MAX_REASON} 字（现有 {len(reason)} 字）")
    sub = _reviewable(session, submission_id)
    sub.review, sub.reviewed_by, sub.reviewed_at, sub.review_reason = "returned", reviewer, at, reason
    sub.status = "rejected"
    sub.errors = [
        {"code": RETURNED, "message": f"经区国资委审核退回：{reason}", "hint": "请按退回理由修改后重新报送。"}
    ]
    enterprise = config.enterprise(sub.enterprise.code)
    deliverable = config.deliverable(sub.deliverable.code)
    title, body = render_message(
        "returned",
        issuer=config.campaign.issuer,
        as_of=at,
        enterprise=enterprise,
        deliverable=deliverable,
        version=sub.version,
        original_name=sub.original_name,
        received_at=sub.received_at,
        reason=reason,
        overdue=at.date() > deliverable.due,
    )
    message = OutgoingMessage(
        return_key(enterprise.code, deliverable.id, sub.version),
        "rejection",
        enterprise.code,
        title,
        body,
        enterprise.code,
        deliverable.id,
    )
    record_messages(session, [message], channels, at)
    record_audit(
        session,
        at,
        reviewer,
        "submission.returned",
        "submission",
        _entity_key(sub),
        {"submission_id": sub.id, "reason": reason},
    )
    return message


def _entity_key(sub: m.Submission) -> str:
    return f"{sub.enterprise.code}:{sub.deliverable.code}:v{sub.version}"
