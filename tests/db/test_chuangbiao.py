"""创标 is about subsidiaries (seed Attachment 1 二、对标目标: "创标企业（重点培育为标杆的子企业）包括……。其余为达标
（对标提升）企业"): each enterprise names its units in what it files; they are checked, kept, and shown in
`campaign status` and the half-year summaries (the final review's 标杆 candidates: tests/unit, tests/flow)."""

from __future__ import annotations

import json

from openpyxl import load_workbook
from typer.testing import CliRunner

from campaign.calendar.clock import resolve_as_of
from campaign.cli.app import app
from campaign.config.model import load_config
from tests.support.filling import file_attachment1

CONFIG = load_config()
TWO = (
    "创标企业：示例城建物业服务有限公司（业务板块：物业服务；对标企业：万物云空间科技服务股份有限公司）；"
    "示例城建园区运营有限公司（业务板块：园区运营；对标企业：苏州工业园区股份有限公司）。"
)


def _status(*args: str) -> str:
    result = CliRunner().invoke(app, ["status", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_attachment1_without_its_chuangbiao_units_is_rejected_saying_how_to_name_them(initialized_home, tmp_path):
    outcome = file_attachment1(
        tmp_path, "DDK001", "targets-2023", "2023-05-20", units="创标企业：示例城建物业服务有限公司。"
    )
    assert [p["message"] for p in outcome.problems] == [
        "创标企业“示例城建物业服务有限公司”没有写明业务板块和对标企业。"
    ]
    outcome = file_attachment1(tmp_path, "DDK002", "targets-2023", "2023-05-20", units="其余为达标企业。")
    assert [p["message"] for p in outcome.problems] == ["“二、对标目标”没有列出创标企业（重点培育为标杆的子企业）。"]
    outcome = file_attachment1(tmp_path, "DDK003", "targets-2023", "2023-05-20", units="创标企业：无。")
    assert [p["code"] for p in outcome.problems] == ["E_CHUANGBIAO_NO_REASON"]
    outcome = file_attachment1(
        tmp_path, "DDK004", "targets-2023", "2023-05-20", units="创标企业：无，我公司没有下属子企业。"
    )
    assert outcome.accepted


def test_each_enterprises_chuangbiao_units_show_in_status_and_the_half_year_summary(initialized_home, tmp_path):
    from tasks.half_year import summarize_period

    assert file_attachment1(tmp_path, "DDK001", "targets-2023", "2023-05-20", units=TWO).accepted
    assert file_attachment1(
        tmp_path, "DDK004", "targets-2023", "2023-05-20", units="创标企业：无，我公司没有下属子企业。"
    ).accepted

    data = json.loads(_status("--as-of", "2023-05-25", "--json"))
    units = data["chuangbiao"]["DDK001"]
    assert units["source"] == "2023年度价值创造行动目标任务（附件1）"
    assert [(u["name"], u["business_line"], u["benchmark"]) for u in units["units"]] == [
        ("示例城建物业服务有限公司", "物业服务", "万物云空间科技服务股份有限公司"),
        ("示例城建园区运营有限公司", "园区运营", "苏州工业园区股份有限公司"),
    ]
    assert data["chuangbiao"]["DDK004"]["units"] == [] and "DDK002" not in data["chuangbiao"]
    text = _status("--as-of", "2023-05-25")
    assert (
        "DDK001 示例城市建设投资集团有限公司（示例）："
        "示例城建物业服务有限公司（物业服务，对标万物云空间科技服务股份有限公司）；"
        "示例城建园区运营有限公司（园区运营，对标苏州工业园区股份有限公司）（2023年度价值创造行动目标任务（附件1））"
    ) in text.replace("\n", "")
    assert "DDK002 示例文化旅游发展集团有限公司（示例）：尚无已接收的目标任务（附件1）" in text

    closed = summarize_period.fn("2023H1", resolve_as_of("2023-07-17"))
    sheet = load_workbook(closed.outputs["xlsx"])["创标企业"]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r[:5] for r in rows] == [
        (
            "DDK001",
            "示例城市建设投资集团有限公司（示例）",
            "示例城建物业服务有限公司",
            "物业服务",
            "万物云空间科技服务股份有限公司",
        ),
        (
            "DDK001",
            "示例城市建设投资集团有限公司（示例）",
            "示例城建园区运营有限公司",
            "园区运营",
            "苏州工业园区股份有限公司",
        ),
        ("DDK004", "示例水务有限公司（示例）", "无（已说明原因）", "—", "—"),
    ]
    html = open(closed.outputs["html"], encoding="utf-8").read()
    assert "六、创标企业（各企业重点培育为标杆的子企业）" in html and "示例城建园区运营有限公司" in html
