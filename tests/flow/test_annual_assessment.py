"""年度考核 end to end: enterprises file 完成情况, the flow scores, pauses for SASAC, resumes with an
adjustment, and finalises: totals, ranks within 功能分类, audit trail and the exported score cells."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.workbook import schema as s
from tests.support.assessment import RD_ROW, file_2023, weak_total_with_rd_adjusted_to


def _wait_for_pause(year: int, timeout: float = 90) -> str:
    from prefect import get_client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as session:
            run_id = session.scalar(sa.select(m.Assessment.flow_run_id).where(m.Assessment.year == year))
        if run_id:
            with get_client(sync_client=True) as client:
                state = client.read_flow_run(run_id).state
            if state is not None and state.is_paused():
                return run_id
        time.sleep(0.5)
    raise AssertionError("the assessment never paused for review")


def test_assessment_pauses_resumes_with_an_adjustment_and_finalises(prefect_harness, initialized_home, tmp_path):
    from campaign.cli.assessment import resume_review
    from flows.annual_assessment import annual_assessment

    file_2023(tmp_path)

    outcome: dict = {}
    runner = threading.Thread(
        target=lambda: outcome.update(
            annual_assessment(
                2023, as_of=resolve_as_of("2024-02-05"), review_timeout_seconds=120, review_poll_seconds=1
            )
        )
    )
    runner.start()
    run_id = _wait_for_pause(2023)
    scoring_sheet = initialized_home / "reports/assessment-2023/2023年度考核评分表.xlsx"
    assert scoring_sheet.is_file()  # SASAC can review offline while the run waits

    resume_review(
        2023, reviewer="王科长", adjustments=[("DDK005", RD_ROW, 10.0, "研发投入统计口径调整，经核实按10分计")]
    )
    runner.join(timeout=120)
    assert outcome["status"] == "final", outcome

    results = {r["code"]: r for r in outcome["results"]}
    weak = weak_total_with_rd_adjusted_to(10)  # SASAC's adjustment of the R&D row, below
    assert results["DDK005"]["total"] == pytest.approx(weak, abs=0.05)
    # every row already full: a total of 100 (there is no bonus on top: the seed has none)
    assert "bonus" not in results["DDK001"] and results["DDK001"]["total"] == pytest.approx(100, abs=0.05)
    assert results["DDK008"]["total"] == 0 and results["DDK009"]["total"] == 0
    assert [results[c]["rank"] for c in ("DDK004", "DDK005", "DDK008")] == ["1/3", "2/3", "3/3"]
    assert results["DDK001"]["rank"] == "1/3" and results["DDK001"]["grade"] == "优秀"

    with session_scope() as session:
        audit = session.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "score.adjusted")).one()
        assert (audit.actor, audit.entity_key) == ("王科长", f"2023:DDK005:{RD_ROW}")
        assert (audit.detail["old"], audit.detail["new"], audit.detail["reason"]) == (
            0.0,
            10.0,
            "研发投入统计口径调整，经核实按10分计",
        )
        assert session.scalar(sa.select(m.Assessment.status).where(m.Assessment.year == 2023)) == "final"

    exported = load_workbook(
        initialized_home / "reports/assessment-2023/清单/DDK005_2023年度目标任务清单_考核结果.xlsx"
    )[s.SHEET_TITLE]
    score_col, rule_col = s.COLUMN_KEYS.index("score") + 1, s.COLUMN_KEYS.index("scoring_rule") + 1
    assert exported.cell(RD_ROW, score_col).value == 10.0
    assert exported.cell(s.FIRST_DATA_ROW, score_col).value == 0  # profit below the floor
    assert exported.cell(s.FIRST_DATA_ROW, rule_col).value.startswith("完成率（实际完成值÷目标值）达到100%得")
    total_row = next(
        r for r in range(s.FIRST_DATA_ROW, exported.max_row + 1) if exported.cell(r, 1).value == s.TOTAL_LABEL
    )
    assert exported.cell(total_row, score_col).value == pytest.approx(weak, abs=0.05)

    linkage = load_workbook(outcome["outputs"]["linkage"]).active
    rows = {r[0]: r for r in linkage.iter_rows(min_row=4, values_only=True)}
    # no 类型, no 创标加分 columns any more
    header = next(linkage.iter_rows(min_row=3, max_row=3, values_only=True))
    assert header[:6] == ("企业代码", "企业名称", "功能分类", "各行得分合计", "总分", "分类排名")
    assert rows["DDK005"][5] == "2/3"
    assert rows["DDK009"][7] == "未报送目标任务清单及完成情况，按 0 分计"
    assert rows["DDK008"][7] == "未报送完成情况（实际完成值），按 0 分计"

    # Re-running a finalised year changes nothing.
    again = annual_assessment(2023, as_of=resolve_as_of("2024-02-06"))
    assert again["status"] == "final" and "未做任何改动" in again["message"]
    assert run_id
