"""Who is reminded of what on a day: set-based SQL over active enterprises and open deliverables.

"Owes" means: no accepted submission received by `as_of`. A step counts as taken once its
notification is recorded (sent, or failed for good); a recorded but still pending one is selected
again so the run retries it. One query per open deliverable (a handful), never one per enterprise.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import and_, exists, func, literal, or_, select, true
from sqlalchemy.orm import Session

from campaign.calendar.clock import TZ
from campaign.calendar.workdays import is_working_day
from campaign.config.model import ReminderPolicy
from campaign.db import models as m
from campaign.reminders.rules import (
    DeliverableLine,
    DeliverableRef,
    OverdueRow,
    Rejection,
    ReminderItem,
    ReminderPlan,
    Step,
    UndeliveredRow,
    digest_day,
    latest_scheduled,
    reminder_calendar,
    reminder_day,
    reminder_key,
)
from campaign.submissions.store import accepted_as_of, waiver_condition

E, D, S, N = m.Enterprise, m.Deliverable, m.Submission, m.Notification


def _accepted(deliverable_id, as_of: datetime):
    return exists().where(
        S.enterprise_id == E.id, S.deliverable_id == deliverable_id, accepted_as_of(as_of), S.received_at <= as_of
    )


def _taken(deliverable: m.Deliverable, calendar: list[Step], step: Step):
    """This step or a later one is recorded for the enterprise; a pending copy of this very step is not."""
    prefix = literal("reminder:") + E.code + literal(f":{deliverable.code}:")
    later = [prefix + literal(s.name) for s in calendar if s.order >= step.order]
    return exists().where(N.key.in_(later), or_(N.key != prefix + literal(step.name), N.status != "pending"))


def _latest_rejections(session: Session, deliverable_id: int, as_of: datetime) -> dict[str, Rejection]:
    rows = session.execute(
        select(E.code, S.version, S.received_at, S.errors)
        .join(E, E.id == S.enterprise_id)
        .where(S.deliverable_id == deliverable_id, S.status == "rejected", S.received_at <= as_of)
        .order_by(S.version)
    )
    return {code: Rejection(version, received_at, list(errors or [])) for code, version, received_at, errors in rows}


def plan_reminders(session: Session, policy: ReminderPolicy, as_of: datetime) -> ReminderPlan:
    day = reminder_day(as_of, policy)
    plan = ReminderPlan(as_of=as_of, day=day, working_day=is_working_day(day))
    active = E.active.is_(True)
    enterprises = session.scalar(select(func.count()).select_from(E).where(active)) or 0
    deliverables = session.scalars(select(D).where(D.opens_on <= day).order_by(D.due, D.code)).all()
    plan.deliverables = {
        d.code: DeliverableRef(d.code, d.title, d.due, d.opens_on, d.char_limit, tuple(d.file_kinds or ()))
        for d in deliverables
    }
    overdue_conditions = []
    for d in deliverables:
        calendar = reminder_calendar(d.due, policy, d.opens_on)
        step = latest_scheduled(calendar, day)
        line = DeliverableLine(d.code, d.title, d.due, step.name if step else None, enterprises)
        line.submitted = session.scalar(select(func.count()).select_from(E).where(active, _accepted(d.id, as_of))) or 0
        # 免报: an excused enterprise owes nothing, so it gets no reminder and is in no overdue digest.
        owes = and_(~_accepted(d.id, as_of), ~waiver_condition(E.id, d.id, as_of))
        owing = session.scalar(select(func.count()).select_from(E).where(active, owes)) or 0
        if day > d.due:
            line.overdue = owing
            overdue_conditions.append(and_(D.id == d.id, owes))
        plan.lines.append(line)
        if step is None:
            continue
        if not plan.working_day:
            line.not_working_day = owing
            continue
        rows = session.execute(
            select(E.code, E.name).where(active, owes, ~_taken(d, calendar, step)).order_by(E.code)
        ).all()
        rejections = _latest_rejections(session, d.id, as_of) if rows else {}
        for code, name in rows:
            plan.items.append(
                ReminderItem(
                    reminder_key(code, d.code, step.name),
                    code,
                    name,
                    d.code,
                    step.name,
                    step.overdue,
                    rejections.get(code),
                )
            )
        line.to_send = len(rows)
        line.already_sent = owing - len(rows)
    if overdue_conditions and plan.working_day:
        rejected = exists().where(
            S.enterprise_id == E.id, S.deliverable_id == D.id, S.status == "rejected", S.received_at <= as_of
        )
        sample = session.execute(
            select(E.code, E.name, D.code, rejected)
            .select_from(E)
            .join(D, true())
            .where(active, or_(*overdue_conditions))
            .order_by(E.code, D.due, D.code)
            .limit(policy.escalation.digest_max_lines)
        )
        plan.overdue_sample = [OverdueRow(ec, en, dc, bool(rj)) for ec, en, dc, rj in sample]
        keys = session.scalars(select(N.key).where(N.kind == "digest", N.key.like("digest:overdue:%")))
        plan.earlier_digests = sorted(d for d in map(digest_day, keys) if d is not None and d < day)
    if plan.working_day:
        _undelivered(session, plan, policy.escalation.digest_max_lines)
    return plan


def _undelivered(session: Session, plan: ReminderPlan, limit: int) -> None:
    """What SASAC must know is not delivered: failed for good, outcome unknown, and messages recorded on an
    earlier day that are still waiting for a retry. Today's are not news yet: today's runs retry them."""
    today = datetime.combine(plan.day, time.min, TZ)
    waiting = and_(N.status.in_(("pending", "sending")), N.attempts > 0, N.created_at < today)
    condition = and_(or_(N.status.in_(("failed", "unknown")), waiting), N.created_at <= plan.as_of)
    plan.undelivered_total = session.scalar(select(func.count()).select_from(N).where(condition)) or 0
    if plan.undelivered_total:
        rows = session.execute(
            select(N.key, N.recipient, N.title, N.status, N.attempts, N.last_error)
            .where(condition)
            .order_by(N.id)
            .limit(limit)
        )
        plan.undelivered = [UndeliveredRow(*row) for row in rows]


CANCELLED = "cancelled"


def cancel_superseded(session: Session, plan: ReminderPlan) -> int:
    """Retire undelivered reminders this plan no longer selects: the enterprise has submitted since,
    or a later step superseded it. Without this a generic "deliver all pending" would send them.

    Only pending reminders are touched (normally a handful left by channel failures).
    """
    selected = {item.key for item in plan.items}
    stale = [
        note
        for note in session.scalars(select(N).where(N.kind == "reminder", N.status == "pending"))
        if note.key not in selected and note.created_at <= plan.as_of
    ]
    for note in stale:
        note.status = CANCELLED
        note.last_error = (
            (note.last_error or "") + "；" if note.last_error else ""
        ) + "已取消：企业已报送或已有更新的提醒"
    return len(stale)
