"""Qualitative rows are scored, never silently 0 (issue 11, item 7): a row with a quantified target is scored
by its completion in every dimension; finalising refuses while a qualitative row is unscored and names each
one by enterprise, 序号 as printed in the list, and task; notes quote the 序号, not the sheet row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.assessment.rules import Item, finalize, score_enterprise, unscored_manual
from campaign.assessment.store import (
    AssessmentError,
    collect_inputs,
    finalize_assessment,
    get_or_create,
    save_auto_scores,
)
from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.support.filling import EXTRA_ROWS, fill

CONFIG = load_config()
SCORING = CONFIG.scoring
CULTURE = ("企业文化", "企业文化宣贯覆盖率", "95%", "80%", "15个百分点", "全覆盖", "90%", "开展企业文化进基层活动")


def _items() -> list[Item]:
    return [
        Item(5, "企业效益", "利润总额", 1000, 1000, indicator="利润总额", seq="1"),
        Item(6, "企业文化", "企业文化宣贯覆盖率", 90, 81, seq="2"),  # quantified: scored by completion
        Item(7, "企业文化", "价值创造理念宣贯", None, None, seq="3"),  # qualitative: SASAC scores it
    ]


def test_a_quantified_row_in_a_qualitative_dimension_is_scored_by_its_completion():
    r = score_enterprise("DDK002", "示例", "商业一类", _items(), SCORING)
    quantified, qualitative = r.items[1], r.items[2]
    assert quantified.rule.kind == "proportional" and quantified.completion == pytest.approx(0.9)
    assert quantified.score == pytest.approx(quantified.weight * 0.75, abs=0.01)
    assert quantified.rule_text.startswith("完成率（实际完成值÷目标值）达到100%得")
    assert qualitative.score is None and qualitative.rule.kind == "manual"


def test_every_unscored_qualitative_row_is_named_by_enterprise_printed_number_and_task():
    r = score_enterprise("DDK002", "示例城市建设投资集团", "商业一类", _items(), SCORING)
    assert unscored_manual([r]) == ["DDK002 示例城市建设投资集团：序号3（企业文化：价值创造理念宣贯；评分表行号 7）"]


def test_a_note_quotes_the_printed_number_not_the_sheet_row():
    r = score_enterprise("DDK002", "示例", "商业一类", _items(), SCORING)
    notes = finalize([r], SCORING)[0].notes
    assert notes[0] == "序号3（价值创造理念宣贯）为定性指标，未评定，按 0 分计"
    assert not any("第 7 行" in n for n in notes)


def test_finalising_refuses_while_a_qualitative_row_is_unscored(initialized_home, tmp_path):
    enterprise, deliverable = CONFIG.enterprise("DDK002"), CONFIG.deliverable("completion-2023")
    template = write_task_list(CONFIG, enterprise, deliverable, tmp_path / "tpl")
    rows = len(EXTRA_ROWS) + 7  # six core rows, the extra rows, then 企业文化

    def actuals(wb, ws, col):
        for offset, value in enumerate(["12000", "9000", "65%", "6.5%", "80", "90%", "2%", "2", "68%", "81%"]):
            ws.cell(s.FIRST_DATA_ROW + offset, col["actual_value"], value)

    filled = fill(template, tmp_path / "DDK002_completion-2023.xlsx", extra_rows=[*EXTRA_ROWS, CULTURE], edit=actuals)
    as_of = resolve_as_of("2024-01-25")
    assert process_file(filled, CONFIG, as_of, load_channels(get_settings().apprise_config_path)).accepted
    culture_row = s.FIRST_DATA_ROW + rows - 1

    with session_scope() as session:
        run_on = resolve_as_of("2024-02-05")
        assessment = get_or_create(session, 2023, run_on)
        save_auto_scores(session, assessment, CONFIG, collect_inputs(session, CONFIG, 2023, run_on))
        scored = session.scalars(sa.select(m.AssessmentScore).where(m.AssessmentScore.row_no == culture_row)).one()
        assert scored.rule_kind == "proportional" and scored.score == pytest.approx(scored.weight * 0.75, abs=0.01)
        # the office turns the row into a qualitative one (no quantified target): now it waits for a person
        scored.rule_kind, scored.target, scored.score, scored.auto_score = "manual", None, None, None
        session.flush()
        with pytest.raises(AssessmentError) as refused:
            finalize_assessment(session, assessment, CONFIG, "王科长", resolve_as_of("2024-02-06"))
        assert assessment.status != "final"
    message = str(refused.value)
    assert message.startswith("2023 年度考核还有 1 项定性指标未评定，不能定稿")
    named = f"- DDK002 {enterprise.name}：序号{rows}（企业文化：企业文化宣贯覆盖率；评分表行号 {culture_row}）"
    assert named in message
    assert "campaign scores import" in message
    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(m.AssessmentResult)) == 0
