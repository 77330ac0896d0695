"""The 汇总表 SASAC exports: every enterprise's latest accepted task list for one deliverable, one sheet.

Enterprise values are untrusted: every cell goes through campaign.reports.excel's formula-safe writer."""

from __future__ import annotations

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.db import models as m
from campaign.reports.excel import append_safe
from campaign.submissions.store import task_items

EXPORT_COLUMNS = (
    ("企业代码", None),
    ("企业名称", None),
    ("版本", None),
    ("行号", "row_no"),
    ("一级任务", "level1"),
    ("二级任务", "level2"),
    ("标杆企业现状", "benchmark_status"),
    ("企业现状", "current_status"),
    ("存在差距", "gap"),
    ("总体目标", "overall_target"),
    ("年度目标值", "annual_target_text"),
    ("目标数值", "annual_target_value"),
    ("单位", "annual_target_unit"),
    ("主要措施", "measures"),
    ("实际完成值", "actual_value"),
    ("备注", "remarks"),
)


def export_task_items(session: Session, deliverable_code: str) -> Workbook:
    """All enterprises' latest accepted task lists for one deliverable, in one sheet (汇总表)."""
    latest = (
        select(m.Submission.enterprise_id, m.Submission.id.label("sid"), m.Submission.version)
        .join(m.Deliverable)
        .where(m.Deliverable.code == deliverable_code, m.Submission.status == "accepted")
        .order_by(m.Submission.enterprise_id, m.Submission.version.desc())
    )
    chosen: dict[int, tuple[int, int]] = {}
    for ent_id, sid, version in session.execute(latest):
        chosen.setdefault(ent_id, (sid, version))
    wb = Workbook()
    ws = wb.active
    ws.title = "目标任务清单汇总"
    ws.append([c[0] for c in EXPORT_COLUMNS])
    enterprises = {e.id: e for e in session.scalars(select(m.Enterprise))}
    rows = task_items(session, [sid for sid, _ in chosen.values()])
    for item in (item for ent_id in sorted(chosen) for item in rows[chosen[ent_id][0]]):
        ent = enterprises[item.enterprise_id]
        append_safe(
            ws,
            [
                ent.code,
                ent.name,
                chosen[item.enterprise_id][1],
                *(getattr(item, attr) for _, attr in EXPORT_COLUMNS[3:]),
            ],
        )
    ws.freeze_panes = "A2"
    return wb
