"""年度考核 end to end: enterprises file 完成情况, the flow scores, pauses for SASAC, resumes with an
adjustment, and finalises: totals, ranks within 功能分类, audit trail and the exported score cells."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.support.filling import fill

CONFIG = load_config()
ACTUALS = {
    # rows: 利润总额 净利润 资产负债率 净资产收益率 全员劳动生产率 营业现金比率
    #       | 研发投入强度 业财一体化 本科以上学历占比
    "exact": ["12000", "9000", "65%", "6.5%", "80", "90%", "2%", "2", "68%"],
    "over": ["15000", "11000", "60%", "8%", "95", "95%", "2.5%", "3", "70%"],
    "weak": ["6000", "9000", "70%", "6.5%", "80", "90%", "1%", "2", "68%"],
}
PROFILES = {"DDK001": "over", "DDK002": "exact", "DDK004": "exact", "DDK005": "weak"}
RD_ROW = s.FIRST_DATA_ROW + 6  # 研发投入强度


def _file(tmp_path, code: str, deliverable: str, actuals: list[str] | None, as_of: str):
    template = write_task_list(
        CONFIG, CONFIG.enterprise(code), CONFIG.deliverable(deliverable), tmp_path / "tpl" / code
    )

    def put_actuals(wb, ws, col):
        for offset, value in enumerate(actuals or []):
            ws.cell(s.FIRST_DATA_ROW + offset, col["actual_value"], value)

    filled = fill(template, tmp_path / f"{code}_{deliverable}.xlsx", edit=put_actuals)
    outcome = process_file(filled, CONFIG, resolve_as_of(as_of), load_channels(get_settings().apprise_config_path))
    assert outcome.accepted, outcome.problems


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

    for code, profile in PROFILES.items():
        _file(tmp_path, code, "completion-2023", ACTUALS[profile], "2024-01-25")
    _file(tmp_path, "DDK008", "task-list-2023", None, "2023-05-20")  # targets only, no 完成情况

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
    # DDK005 is 公益类: its weights are the category's (企业效益 25 of the 51 points present; inside it 利润总额
    # and 净利润 count half a row and 营业现金比率 one and a half, 5.5 row shares in all).
    w_ebiz = 100 * 25 / 51
    w_profit, w_debt = w_ebiz * 0.5 / 5.5, w_ebiz * 1 / 5.5
    w_rd = 100 * 8 / 51
    assert results["DDK004"]["total"] == pytest.approx(100, abs=0.05)
    assert results["DDK002"]["total"] == pytest.approx(100, abs=0.05)
    # weak: profit at 50% is below the 60% floor (0); debt 70% vs ≤65% is a 65/70 completion, which earns
    # (65/70 − 80%) ÷ 20% of the row; R&D 1% of 2% is below the floor (0) but SASAC adjusted it to 10.
    weak = 100 - w_profit - w_debt * (1 - (65 / 70 - 0.8) / 0.2) - w_rd + 10
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

    # Re-running a finalised year changes no score; it only makes good what a killed run may have left.
    again = annual_assessment(2023, as_of=resolve_as_of("2024-02-06"))
    assert again["status"] == "final" and "得分和等级未改动" in again["message"]
    assert run_id
