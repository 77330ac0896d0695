"""半年进展情况 end to end: pre-filled templates out, a mix of on-time, late, rejected and missing
reports in, and a summary with the right rates, lists and charts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.workbook import progress as pw
from campaign.workbook.generate import write_task_list
from campaign.workbook.self_review import write_answers
from notifications.channels import load_channels
from tests.conftest import read_outbox
from tests.support.browser import screenshot_report
from tests.support.filling import SELF_REVIEW, fill

CONFIG = load_config()
HALF = ["6000万元", "4500", "64%", "3.2%", "40", "91%", "1%", "1", "66%"]
LOW = ["600万元", "450", "64%", "0.3%", "4", "91%", "0.1%", "0", "6%"]


def _submit(path, as_of: str):
    return process_file(path, CONFIG, resolve_as_of(as_of), load_channels(get_settings().apprise_config_path))


def _file_list(tmp_path, code: str):
    template = write_task_list(
        CONFIG, CONFIG.enterprise(code), CONFIG.deliverable("task-list-2023"), tmp_path / "tpl" / code
    )
    assert _submit(fill(template, tmp_path / f"{code}_task-list-2023.xlsx"), "2023-05-20").accepted


NARRATIVE = "上半年各项任务按计划推进。"


def _fill_progress(home, tmp_path, code: str, values: list[str], narrative: str | None = NARRATIVE, review=SELF_REVIEW):
    wb = load_workbook(home / "outgoing/progress-2023h1" / f"{code}_progress-2023h1.xlsx")
    if review is not None:
        write_answers(wb, review)
    ws = wb[pw.SHEET_TITLE]
    for offset, value in enumerate(values):
        ws.cell(pw.FIRST_ROW + offset, 5, value)
        ws.cell(pw.FIRST_ROW + offset, 6, "按计划推进")
    label = next(r for r in range(pw.FIRST_ROW, ws.max_row + 1) if ws.cell(r, 1).value == pw.NARRATIVE_LABEL)
    ws.cell(label + 1, 1, narrative)
    out = tmp_path / "returned" / f"{code}_progress-2023h1.xlsx"
    out.parent.mkdir(exist_ok=True)
    wb.save(out)
    return out


def test_half_year_collection_mix_of_reports(prefect_harness, initialized_home, tmp_path):
    from flows.half_year_collection import half_year_collection

    for code in ("DDK001", "DDK002", "DDK003", "DDK004", "DDK005"):
        _file_list(tmp_path, code)

    opened = half_year_collection("2023H1", as_of=resolve_as_of("2023-06-20"))
    assert (opened["mode"], opened["notices"], opened["sent"]) == ("open", 9, 9)
    notices = {
        m_["to"][0]: m_ for m_ in read_outbox(initialized_home) if m_["key"].startswith("notice:progress-2023h1:")
    }
    assert "共 9 项任务" in notices["DDK001"]["body"] and "DDK001_progress-2023h1.xlsx" in notices["DDK001"]["body"]
    assert "尚无已接收的2023年度目标任务清单" in notices["DDK009"]["body"]
    assert (
        half_year_collection("2023H1", as_of=resolve_as_of("2023-06-21"))["sent"] == 0
    )  # reopening sends nothing twice

    assert _submit(_fill_progress(initialized_home, tmp_path, "DDK001", HALF), "2023-07-10").accepted
    assert _submit(_fill_progress(initialized_home, tmp_path, "DDK002", HALF), "2023-07-20").accepted  # late
    rejected = _submit(
        _fill_progress(initialized_home, tmp_path, "DDK003", ["提升中", *HALF[1:]], narrative=None, review=None),
        "2023-07-12",
    )
    assert [p["code"] for p in rejected.problems] == [
        "E_PROGRESS_NOT_QUANTIFIED",
        "E_NARRATIVE_MISSING",
        "E_SELF_REVIEW_EMPTY",
    ]
    assert rejected.problems[2]["message"] == (
        "“自评”工作表中“做得好的方面（主要成效和经验）”、“滞后的方面（存在的问题和薄弱环节）”、"
        "“动态调整工作措施（针对问题的调整和下一步安排）”没有填写。"
    )
    assert rejected.problems[0]["message"] == "第 4 行（利润总额）的半年完成值“提升中”未量化。"
    assert _submit(_fill_progress(initialized_home, tmp_path, "DDK004", LOW), "2023-07-14").accepted

    closed = half_year_collection("2023H1", as_of=resolve_as_of("2023-07-25"))
    s = closed["summary"]
    assert (s["on_time"], s["late"], s["rejected"]) == (["DDK001", "DDK004"], ["DDK002"], ["DDK003"])
    assert s["missing"] == ["DDK005", "DDK006", "DDK007", "DDK008", "DDK009"]
    assert s["completeness_rate"] == pytest.approx(3 / 9, abs=1e-4) and s["timeliness_rate"] == pytest.approx(
        2 / 9, abs=1e-4
    )
    assert s["by_category"]["商业一类"] == {
        "total": 3,
        "reported": 1,
        "on_time": 0,
        "completeness": pytest.approx(1 / 3, abs=1e-4),
        "timeliness": 0.0,
    }
    attention = {a["code"]: a["reasons"] for a in s["attention"]}
    assert attention["DDK002"] == ["逾期报送（2023年7月20日接收）"]
    assert attention["DDK003"] == ["报送材料被退回，尚未重新报送合格材料"]
    assert any(r.startswith("半年平均完成进度") for r in attention["DDK004"])
    assert "DDK001" not in attention
    profit = {r["code"]: r for r in s["indicators"]["利润总额"]}
    assert (
        profit["DDK001"]["target"] == 12000
        and profit["DDK001"]["value"] == 6000
        and profit["DDK001"]["progress"] == 0.5
    )

    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(m.ProgressItem)) == 27  # 3 accepted × 9 rows

    sheet = load_workbook(closed["outputs"]["xlsx"])
    assert [r[0] for r in sheet["需关注企业"].iter_rows(min_row=2, values_only=True)] == sorted(attention)
    # 自评 of every accepted report, in the workbook and the HTML report
    own = {r[0]: r[2:] for r in sheet["企业自评"].iter_rows(min_row=2, values_only=True)}
    assert sorted(own) == ["DDK001", "DDK002", "DDK004"] and own["DDK002"] == tuple(SELF_REVIEW.values())
    html = __import__("pathlib").Path(closed["outputs"]["html"]).read_text(encoding="utf-8")
    assert "五、企业自评（做得好的方面、滞后的方面和动态调整的工作措施）" in html and SELF_REVIEW["lagging"] in html
    shot, charts = screenshot_report(__import__("pathlib").Path(closed["outputs"]["html"]), "half-year-2023h1")
    assert shot.stat().st_size > 20_000
    assert len(charts) >= 2 + 6 and all(c["width"] > 200 and c["height"] > 100 for c in charts)
