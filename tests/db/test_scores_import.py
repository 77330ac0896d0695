"""`campaign scores export|import`: SASAC adjusts scores offline; every change is audited; a bad sheet
changes nothing."""

from __future__ import annotations

import sqlalchemy as sa
from openpyxl import load_workbook
from typer.testing import CliRunner

from campaign.assessment.store import collect_inputs, get_or_create, save_auto_scores
from campaign.calendar.clock import resolve_as_of
from campaign.cli.app import app
from campaign.config.model import load_config
from campaign.db import models as m
from campaign.db.session import session_scope
from tests.support.assessment import ACTUALS, RD_ROW, file_list

CONFIG = load_config()


def _scored_year(tmp_path) -> None:
    file_list(tmp_path, "DDK005", "completion-2023", ACTUALS["weak"], "2024-01-25")
    with session_scope() as session:
        assessment = get_or_create(session, 2023, resolve_as_of("2024-02-05"))
        save_auto_scores(
            session, assessment, CONFIG, collect_inputs(session, CONFIG, 2023, resolve_as_of("2024-02-05"))
        )


def _fill(sheet_path, out, edits: dict[tuple[str, int], tuple[object, object]]):
    wb = load_workbook(sheet_path)
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=2):
        key = (row[0].value, row[3].value)
        if key in edits:
            row[12].value, row[13].value = edits[key]
    wb.save(out)
    return out


def test_export_fill_import_is_audited(initialized_home, tmp_path):
    _scored_year(tmp_path)
    runner = CliRunner()
    sheet = tmp_path / "评分表.xlsx"
    assert runner.invoke(app, ["scores", "export", "2023", "--out", str(sheet)]).exit_code == 0
    filled = _fill(sheet, tmp_path / "filled.xlsx", {("DDK005", RD_ROW): (8, "核实研发费用加计口径")})
    result = runner.invoke(app, ["scores", "import", str(filled), "--reviewer", "李处长", "--as-of", "2024-02-06"])
    assert result.exit_code == 0, result.output
    assert "已导入 2023 年度评分调整 1 项" in result.output
    with session_scope() as session:
        row = session.scalars(sa.select(m.AssessmentScore).where(m.AssessmentScore.row_no == RD_ROW)).one()
        assert (row.score, row.auto_score, row.adjusted) == (8.0, 0.0, True)
        audit = session.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "score.adjusted")).one()
        assert audit.actor == "李处长" and audit.detail == {
            "old": 0.0,
            "new": 8.0,
            "reason": "核实研发费用加计口径",
            "year": 2023,
        }


def test_bad_sheet_imports_nothing_and_says_why(initialized_home, tmp_path):
    _scored_year(tmp_path)
    runner = CliRunner()
    sheet = tmp_path / "评分表.xlsx"
    runner.invoke(app, ["scores", "export", "2023", "--out", str(sheet)])
    filled = _fill(sheet, tmp_path / "bad.xlsx", {("DDK005", RD_ROW): (8, None), ("DDK005", 5): ("十分", "很好")})
    result = runner.invoke(app, ["scores", "import", str(filled), "--reviewer", "李处长"])
    assert result.exit_code == 3
    assert "评分表有误，未导入任何调整" in result.output
    assert "调整后得分“十分”不是数值" in result.output
    assert f"（DDK005 第 {RD_ROW} 行）：调整得分必须填写调整理由" in result.output
    too_high = _fill(sheet, tmp_path / "high.xlsx", {("DDK005", RD_ROW): (999, "笔误")})
    result = runner.invoke(app, ["scores", "import", str(too_high), "--reviewer", "李处长"])
    assert result.exit_code == 3 and f"DDK005 第 {RD_ROW} 行的得分应在 0 到" in result.output
    with session_scope() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(m.AuditEvent).where(m.AuditEvent.action == "score.adjusted")
            )
            == 0
        )
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(m.AssessmentScore).where(m.AssessmentScore.adjusted.is_(True))
            )
            == 0
        )


def test_a_random_workbook_is_not_a_scoring_sheet(initialized_home, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    result = CliRunner().invoke(app, ["scores", "import", str(path), "--reviewer", "x"])
    assert result.exit_code == 3 and "不是系统导出的评分表" in result.output
