"""Which submission counts: the latest accepted version per enterprise, as known at a moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from campaign.config.model import CampaignConfig
from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.errors import InvalidRequest, UnknownCode


def deliverable_code(config: CampaignConfig, kind: str, year: int) -> str | None:
    """The id of the deliverable of `kind` for `year` (e.g. completion 2023 -> completion-2023), if configured."""
    return next((d.id for d in config.deliverables if d.kind == kind and d.year == year), None)


def accepted_as_of(as_of: datetime) -> ColumnElement[bool]:
    """The one predicate for "this version counted as accepted at `as_of`": accepted by intake and not returned
    by SASAC's 备案 review by then (a version returned later still counted before its return)."""
    return or_(
        m.Submission.status == "accepted",
        and_(m.Submission.review == "returned", m.Submission.reviewed_at > as_of),
    )


def latest_accepted(
    session: Session, deliverable: str | None, as_of: datetime, enterprise_id: int | None = None
) -> dict[int, m.Submission]:
    """enterprise id -> its latest accepted version of `deliverable` received by `as_of`."""
    if deliverable is None:
        return {}
    query = (
        select(m.Submission)
        .join(m.Deliverable)
        .where(m.Deliverable.code == deliverable, accepted_as_of(as_of), m.Submission.received_at <= as_of)
        .order_by(m.Submission.version)
    )
    if enterprise_id is not None:
        query = query.where(m.Submission.enterprise_id == enterprise_id)
    return {s.enterprise_id: s for s in session.scalars(query)}


def filed_details(session: Session, deliverable: str | None, as_of: datetime, key: str) -> dict[str, Any]:
    """enterprise code -> details[key] of its latest accepted version of `deliverable` (自评, 对标对象, 创标企业):
    what a file says as data besides its task rows, recorded by intake. Enterprises whose file has none are left out."""
    if deliverable is None:
        return {}
    # Two columns, not ORM rows: the console's matrix reads this for every enterprise on every page view.
    query = (
        select(m.Enterprise.code, m.Submission.details)
        .join(m.Enterprise, m.Enterprise.id == m.Submission.enterprise_id)
        .join(m.Deliverable, m.Deliverable.id == m.Submission.deliverable_id)
        .where(m.Deliverable.code == deliverable, accepted_as_of(as_of), m.Submission.received_at <= as_of)
        .order_by(m.Submission.version)
    )
    latest = {code: details for code, details in session.execute(query)}
    return {code: details[key] for code, details in latest.items() if key in (details or {})}


def latest_filed(
    session: Session, config: CampaignConfig, kind: str, key: str, as_of: datetime, up_to_year: int | None = None
) -> dict[str, tuple[str, Any]]:
    """enterprise code -> (deliverable title, details[key]) from the latest year's accepted `kind` deliverable that
    carries it, e.g. the 创标企业 of the newest Attachment 1 (up to `up_to_year` when given)."""
    out: dict[str, tuple[str, Any]] = {}
    for d in sorted((d for d in config.deliverables if d.kind == kind), key=lambda d: -d.year):
        if up_to_year is not None and d.year > up_to_year:
            continue
        for code, value in filed_details(session, d.id, as_of, key).items():
            out.setdefault(code, (d.title, value))
    return out


IN_CHUNK = 5000  # SQLite allows at most 32766 bound parameters per statement


def task_items(session: Session, submission_ids: Iterable[int]) -> dict[int, list[m.TaskItem]]:
    """The one loader of "the task items of the chosen submissions": submission id -> its rows in 序号 order.

    Every chosen submission has an entry (empty when it stored no rows)."""
    ids = sorted(set(submission_ids))
    rows: dict[int, list[m.TaskItem]] = {i: [] for i in ids}
    for start in range(0, len(ids), IN_CHUNK):
        query = (
            select(m.TaskItem)
            .where(m.TaskItem.submission_id.in_(ids[start : start + IN_CHUNK]))
            .order_by(m.TaskItem.submission_id, m.TaskItem.row_no)
        )
        for row in session.scalars(query):
            rows[row.submission_id].append(row)
    return rows


def _in_force(as_of: datetime) -> ColumnElement[bool]:
    """A waiver granted by `as_of` and not revoked by then."""
    return and_(m.Waiver.granted_at <= as_of, or_(m.Waiver.revoked_at.is_(None), m.Waiver.revoked_at > as_of))


def waived(session: Session, as_of: datetime) -> set[tuple[int, int]]:
    """(enterprise id, deliverable id) pairs SASAC has excused (免报) as of `as_of`."""
    query = select(m.Waiver.enterprise_id, m.Waiver.deliverable_id).where(_in_force(as_of))
    return {(e, d) for e, d in session.execute(query)}


def waiver_condition(
    enterprise_id: InstrumentedAttribute[int] | InstrumentedAttribute[int | None] | ColumnElement[int],
    deliverable_id: int | InstrumentedAttribute[int | None] | ColumnElement[int],
    as_of: datetime,
):
    """An EXISTS clause for set-based queries (reminders): this enterprise is excused from this deliverable."""
    return exists().where(
        m.Waiver.enterprise_id == enterprise_id,
        m.Waiver.deliverable_id == deliverable_id,
        _in_force(as_of),
    )


def grant_waiver(
    session: Session, enterprise: str, deliverable: str, reason: str, by: str, at: datetime
) -> tuple[m.Waiver, bool]:
    """Excuse `enterprise` from `deliverable` from `at` on, recorded in the audit table. (waiver, new?)."""
    if not reason.strip():
        raise InvalidRequest("免报须写明理由（--reason），理由记入审计")
    if not by.strip():
        raise InvalidRequest("免报须写明经办人（--by），记入审计")
    ent, dlv = _codes(session, enterprise, deliverable)
    current = _current_waiver(session, ent.id, dlv.id, at)
    if current is not None:
        return current, False
    waiver = m.Waiver(enterprise_id=ent.id, deliverable_id=dlv.id, reason=reason.strip(), granted_by=by, granted_at=at)
    session.add(waiver)
    record_audit(session, at, by, "waiver.granted", "waiver", f"{enterprise}:{deliverable}", {"reason": reason.strip()})
    session.flush()
    return waiver, True


def revoke_waiver(session: Session, enterprise: str, deliverable: str, by: str, at: datetime) -> m.Waiver:
    """End the current waiver: from `at` on the enterprise owes the deliverable again."""
    ent, dlv = _codes(session, enterprise, deliverable)
    current = _current_waiver(session, ent.id, dlv.id, at)
    if current is None:
        raise InvalidRequest(f"{enterprise} 的“{dlv.title}”没有生效的免报，无需撤销")
    current.revoked_at, current.revoked_by = at, by
    record_audit(session, at, by, "waiver.revoked", "waiver", f"{enterprise}:{deliverable}", {"reason": current.reason})
    return current


def _codes(session: Session, enterprise: str, deliverable: str) -> tuple[m.Enterprise, m.Deliverable]:
    ent = session.scalars(select(m.Enterprise).where(m.Enterprise.code == enterprise)).one_or_none()
    if ent is None:
        raise UnknownCode(f"未知的企业代码：{enterprise}")
    dlv = session.scalars(select(m.Deliverable).where(m.Deliverable.code == deliverable)).one_or_none()
    if dlv is None:
        raise UnknownCode(f"未知的报送材料编号：{deliverable}")
    return ent, dlv


def _current_waiver(session: Session, enterprise_id: int, deliverable_id: int, at: datetime) -> m.Waiver | None:
    return session.scalars(
        select(m.Waiver).where(
            m.Waiver.enterprise_id == enterprise_id,
            m.Waiver.deliverable_id == deliverable_id,
            _in_force(at),
        )
    ).first()


def filed_list(
    session: Session, config: CampaignConfig, enterprise_id: int, year: int, as_of: datetime
) -> tuple[m.Submission | None, list[m.TaskItem]]:
    """The enterprise's filed (latest accepted) 目标任务清单 of `year` as known at `as_of`, and its rows."""
    chosen = latest_accepted(session, deliverable_code(config, "task_list", year), as_of, enterprise_id).get(
        enterprise_id
    )
    if chosen is None:
        return None, []
    return chosen, task_items(session, [chosen.id])[chosen.id]
