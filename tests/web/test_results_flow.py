"""Once an annual assessment is finalised, each enterprise is told by message and sees its rows on the portal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.calendar.clock import resolve_as_of
from campaign.db import models as m
from campaign.db.session import session_scope
from tests.conftest import read_outbox
from tests.support.assessment import ACTUALS, file_list
from tests.web.conftest import sign_in

pytestmark = pytest.mark.flow


def test_finalised_assessment_sends_each_enterprise_its_result_and_the_portal_shows_its_rows(
    prefect_harness, portal_home, tmp_path, client_factory
):
    from flows.annual_assessment import annual_assessment

    for code, profile in {"DDK001": "over", "DDK002": "exact"}.items():
        file_list(tmp_path, code, "completion-2023", ACTUALS[profile], "2024-01-25")
    final = annual_assessment(2023, as_of=resolve_as_of("2024-02-05"), approve_as="王科长")
    assert final["status"] == "final"
    results = {n["key"]: n for n in read_outbox(portal_home) if n["key"].startswith("result:")}
    assert len(results) == len(final["results"]) == 9  # every enterprise assessed, filed or not
    note = results["result:assessment-2023:DDK001"]
    assert note["title"] == (
        "【大渡口区国有资产监督管理委员会】2023年度价值创造行动考核结果（示例城市建设投资集团有限公司（示例））"
    )
    assert "等级：" in note["body"] and "功能分类（商业二类）内排名：第 1 名" in note["body"] and "/l/" in note["body"]
    annual_assessment(2023, as_of=resolve_as_of("2024-02-06"), approve_as="王科长")  # a re-run sends nothing new
    assert len([n for n in read_outbox(portal_home) if n["key"].startswith("result:")]) == 9

    c = client_factory()
    sign_in(c, "DDK001")
    page = c.get("/results").text
    with session_scope() as s:
        mine = s.scalars(select(m.AssessmentResult).join(m.Enterprise).where(m.Enterprise.code == "DDK001")).one()
    assert "2023 年度" in page and f"{mine.total:.2f}" in page and mine.grade in page
    assert "利润总额" in page and "示例文化旅游" not in page
