"""The enterprise's own template of a deliverable, written to outgoing/<材料编号>/企业代码_材料编号.扩展名.

One function builds every kind, so the notice that announces a template, the email that attaches it and the
portal that serves it all hand out the same file: Attachment 1 and the 部署推动情况报告 (docx), the Attachment 2
list (xlsx), the completion report pre-filled from the filed list, and the half-year progress workbook
pre-filled from the accepted list.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from campaign.config.model import CampaignConfig, Deliverable, Enterprise
from campaign.db import models as m
from campaign.outgoing.rules import TemplateFile, filed_year
from campaign.submissions.store import filed_list
from campaign.workbook.completion import FiledRow, build_completion_workbook, is_completion


def filed_rows(items: list[m.TaskItem]) -> list[FiledRow]:
    return [
        FiledRow(
            i.row_no,
            i.seq,
            i.level1,
            i.level2,
            i.benchmark_status,
            i.current_status,
            i.gap,
            i.overall_target,
            i.annual_target_text,
            i.measures,
            i.remarks,
        )
        for i in sorted(items, key=lambda i: i.row_no)
    ]


def template_file(
    session: Session,
    config: CampaignConfig,
    home: Path,
    enterprise: Enterprise,
    deliverable: Deliverable,
    enterprise_id: int,
    as_of: datetime,
    refresh: bool = False,
) -> TemplateFile | None:
    """Write (or, unless `refresh`, reuse) the enterprise's template; None when the deliverable has none, or
    (progress reports) there is no accepted list to pre-fill. A completion report is always rebuilt from the list
    filed as of `as_of`, so it is never older than the list."""
    from campaign.documents.generate import BUILDERS
    from campaign.half_year.store import planned_rows
    from campaign.workbook import schema
    from campaign.workbook.generate import build_task_list
    from campaign.workbook.progress import TEMPLATE_ID as PROGRESS
    from campaign.workbook.progress import build_progress_workbook

    if deliverable.template is None:
        return None
    out_dir = home / "outgoing" / deliverable.id
    ext = "docx" if deliverable.template in BUILDERS else "xlsx"
    path = out_dir / f"{enterprise.code}_{deliverable.id}.{ext}"
    completion = deliverable.template == schema.TEMPLATE_ID and is_completion(deliverable)
    if path.is_file() and not refresh and not completion:
        return TemplateFile(path.name)
    document: object
    described = TemplateFile(path.name)
    if completion:
        filed, items = filed_list(session, config, enterprise_id, filed_year(config, deliverable), as_of)
        rows = filed_rows(items)
        document = build_completion_workbook(config, enterprise, deliverable, rows)
        described = TemplateFile(path.name, filed.version if filed else None, len(rows))
    elif deliverable.template == schema.TEMPLATE_ID:
        document = build_task_list(config, enterprise, deliverable)
    elif deliverable.template in BUILDERS:
        document = BUILDERS[deliverable.template](enterprise, deliverable)
    elif deliverable.template == PROGRESS:
        planned = planned_rows(session, config, enterprise_id, deliverable.year, as_of)
        if not planned:
            return None
        document = build_progress_workbook(enterprise, deliverable, planned)
    else:
        return None
    save_atomically(document, path)
    return described


def save_atomically(document: object, path: Path) -> None:
    """Written aside and renamed: two downloads at once, or a flow writing the same file, never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        document.save(tmp)  # type: ignore[attr-defined]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
