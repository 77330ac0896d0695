"""深化评估 end to end: two years of lists, completion reports, a final completion report and evaluation
reports filed through the real intake, both assessments finalised, then the final review: numbers per
enterprise and 功能分类, candidates with their explanations, the .docx, the workbook, and the HTML in Chromium."""

from __future__ import annotations

from pathlib import Path
from statistics import mean

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.calendar.plan import ClockStep
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.conftest import read_outbox
from tests.support.assessment import ACTUALS, file_list
from tests.support.browser import screenshot_report
from tests.support.filling import SELF_REVIEW, file_attachment1, fill

CONFIG = load_config()
# core indicator -> (标杆企业现状, 企业现状) written into the 2023 list: the benchmark and the baseline
BASELINE = {
    "利润总额": ("15000", "10000"),
    "净利润": ("11000", "7000"),
    "资产负债率": ("55%", "70%"),
    "净资产收益率": ("9%", "5%"),
    "全员劳动生产率": ("100", "70"),
    "营业现金比率": ("95%", "85%"),
}
# the same targets every year (tests/intake/filling.py CORE_TARGETS and EXTRA_ROWS), in row order
TARGETS = [12000, 9000, 65, 6.5, 80, 90, 2, 2, 68]
LOWER = {2}  # 资产负债率 (≤65%)


def _file_list(tmp_path, code: str, deliverable: str, as_of: str) -> None:
    """A 目标任务清单 whose core rows carry numeric 标杆企业现状 / 企业现状."""
    template = write_task_list(
        CONFIG, CONFIG.enterprise(code), CONFIG.deliverable(deliverable), tmp_path / "tpl" / code
    )

    def baseline(wb, ws, col):
        for offset, (bench, now) in enumerate(BASELINE.values()):
            ws.cell(s.FIRST_DATA_ROW + offset, col["benchmark_status"], bench)
            ws.cell(s.FIRST_DATA_ROW + offset, col["current_status"], now)

    filled = fill(template, tmp_path / f"{code}_{deliverable}.xlsx", edit=baseline)
    outcome = process_file(filled, CONFIG, resolve_as_of(as_of), load_channels(get_settings().apprise_config_path))
    assert outcome.accepted, outcome.problems


def _file_report(tmp_path, code: str, as_of: str) -> None:
    """An evaluation report written the way an enterprise would, in Word (python-docx)."""
    enterprise = CONFIG.enterprise(code)
    doc = Document()
    doc.add_paragraph(f"{enterprise.name}价值创造行动评估报告")
    for text in (
        "一、主要做法和经验",
        "对标世界一流企业，聚焦价值创造薄弱环节，压降成本、提质增效。",
        "二、取得的成效",
        "三、长效工作机制",
    ):
        doc.add_paragraph(text)
    doc.core_properties.identifier = f"{code}/evaluation-report-2025"
    path = tmp_path / f"{code}_evaluation-report-2025.docx"
    doc.save(path)
    outcome = process_file(path, CONFIG, resolve_as_of(as_of), load_channels(get_settings().apprise_config_path))
    assert outcome.accepted, outcome.problems


def _ratios(profile: str) -> list[float]:
    """What each row's completion is, computed here from the numbers, clipped like the half-year progress."""
    out = []
    for k, (target, actual) in enumerate(zip(TARGETS, ACTUALS[profile], strict=False)):
        value = float(actual.rstrip("%"))
        ratio = target / value if k in LOWER else value / target
        out.append(min(max(ratio, 0.0), 1.5))
    return out


def _gap(indicator: str, latest: str) -> float:
    bench, base = (float(v.rstrip("%")) for v in BASELINE[indicator])
    return (float(latest.rstrip("%")) - base) / (bench - base)


# enterprise -> (2023 profile, 2024 profile, 2024 source, evaluation report)
PLAN = {
    "DDK001": ("over", "over", "completion-2024", True),  # 创标, 商业二类: both candidates
    "DDK002": ("exact", "exact", "completion-2024", True),  # 创标, 商业一类: 优秀 but gaps closed on 2 indicators only
    "DDK003": ("exact", "over", "completion-final-2025", True),  # 达标: 2024 actuals only in the final report
    "DDK005": ("weak", "weak", "completion-2024", False),  # 达标, 公益类: weak, no report
    "DDK007": ("over", "over", "completion-2024", False),  # 创标: 典范, but no evaluation report so no 标杆
}


UNITS = {
    "DDK001": "创标企业：示例城建物业服务有限公司（业务板块：物业服务；对标企业：万物云空间科技服务股份有限公司）。",
    "DDK002": "创标企业：示例文旅景区运营有限公司（业务板块：景区运营；对标企业：华侨城集团有限公司）。",
}


def test_final_review_end_to_end(prefect_harness, initialized_home, tmp_path):
    from flows.annual_assessment import annual_assessment
    from flows.final_review import final_review

    for code, (p23, p24, source24, report) in PLAN.items():
        _file_list(tmp_path / "l23", code, "task-list-2023", "2023-05-20")
        file_list(tmp_path / "c23", code, "completion-2023", ACTUALS[p23], "2024-01-25")
        _file_list(tmp_path / "l24", code, "task-list-2024", "2024-03-01")
        file_list(
            tmp_path / "c24",
            code,
            source24,
            ACTUALS[p24],
            "2025-02-20" if source24 == "completion-2024" else "2025-05-20",
        )
        if source24 == "completion-2024":  # every candidate files the final completion report too
            file_list(tmp_path / "cf", code, "completion-final-2025", ACTUALS[p24], "2025-05-20")
        if report:
            _file_report(tmp_path, code, "2025-05-10")
    # 标杆 are built in the enterprises' units: DDK001 and DDK002 name their 创标企业 in Attachment 1
    for code, unit in UNITS.items():
        assert file_attachment1(tmp_path, code, "targets-2024", "2024-03-01", units=unit).accepted
    assert annual_assessment(2023, as_of=resolve_as_of("2024-02-05"), approve_as="王科长")["status"] == "final"
    assert annual_assessment(2024, as_of=resolve_as_of("2025-03-10"), approve_as="王科长")["status"] == "final"

    result = final_review(as_of=resolve_as_of("2025-07-03"))  # the day the calendar plans (tests/unit)

    # -- candidates and their explanations ---------------------------------------------------
    kinds = {(c["kind"], c["code"]) for c in result["candidates"]}
    assert kinds == {
        ("典范企业", "DDK001"),
        ("价值创造标杆", "DDK001"),
        ("价值创造标杆", "DDK002"),
    }
    # DDK007 meets the 典范 rule but never filed its evaluation report: withheld, with the file named
    assert result["withheld"] == [{"kind": "典范企业", "code": "DDK007", "missing": ["价值创造行动评估报告"]}]
    # every missing file of every enterprise is named: 4 enterprises filed nothing (6 files each), 3 owe one
    assert result["missing"]["DDK003"] == ["2024年度价值创造行动目标任务完成情况"]
    assert result["missing"]["DDK005"] == ["价值创造行动评估报告"]
    assert len(result["missing"]["DDK004"]) == 6 and "DDK001" not in result["missing"]
    assert sum(len(files) for files in result["missing"].values()) == 27
    over_gaps = [_gap(i, v) for i, v in zip(BASELINE, ACTUALS["over"], strict=False)]
    assert all(g >= 0.5 for g in over_gaps)
    explanation = {(c["kind"], c["code"]): c["explanation"] for c in result["candidates"]}
    assert explanation[("典范企业", "DDK001")] == (
        "2023年度考核“优秀”（100分）、2024年度考核“优秀”（100分），均达到“优秀”；"
        "6项核心指标与标杆差距缩小比例达到50%（要求至少3项）："
        + "、".join(f"{i} {g:.0%}" for i, g in zip(BASELINE, over_gaps, strict=False))
        + "。"
    )
    assert explanation[("价值创造标杆", "DDK002")] == (
        "在2024年度价值创造行动目标任务（附件1）中列为创标企业（重点培育为标杆的子企业），业务板块：景区运营，"
        "对标企业：华侨城集团有限公司；所属企业2个年度考核平均100分（不低于85分）：2023年100分、2024年100分；"
        "量化目标达成比例均不低于60%：2023年9/9项（100%）、2024年9/9项（100%）；评估报告已于2025年5月10日报送并接收。"
    )
    notes = "\n".join(result["notes"])
    assert (
        "DDK003 示例产业投资集团有限公司（示例）：未报送2024年度完成情况，"
        "2024年实际完成值取自价值创造行动目标任务完成情况（2023—2024年度汇总）" in notes
    )
    assert "DDK007 示例数字科技有限公司（示例）：未报送评估报告（或未被接收）" in notes
    assert "DDK009 示例资产经营管理有限公司（示例）：没有2023年度目标任务清单，核心指标缺少基期值和标杆值" in notes

    # -- the workbook: numbers per enterprise, category and indicator ------------------------
    wb = load_workbook(result["outputs"]["xlsx"])
    assert wb.sheetnames == ["企业汇总", "分类汇总", "核心指标轨迹", "企业自评", "候选名单"]
    own = {(r[0], r[2]): r[3:] for r in wb["企业自评"].iter_rows(min_row=2, values_only=True)}
    assert own[("DDK001", "2024年度价值创造行动目标任务完成情况")] == tuple(SELF_REVIEW.values())
    header = [c.value for c in wb["企业汇总"][1]]
    ents = {r[0]: dict(zip(header, r, strict=False)) for r in wb["企业汇总"].iter_rows(min_row=2, values_only=True)}
    weak = ents["DDK005"]
    assert (weak["2023年量化目标数"], weak["2023年达成数"]) == (9, 6)  # profit, debt ratio and R&D missed
    assert weak["2023年平均完成率"] == pytest.approx(mean(_ratios("weak")), abs=1e-4)
    assert ents["DDK001"]["2024年平均完成率"] == pytest.approx(mean(_ratios("over")), abs=1e-4)
    assert (ents["DDK001"]["2023年考核总分"], ents["DDK001"]["2023年等级"], ents["DDK001"]["2023年分类排名"]) == (
        100,
        "优秀",
        "1/3",
    )
    assert (
        ents["DDK003"]["2024年达成数"] == 9 and ents["DDK003"]["2024年考核总分"] == 0
    )  # assessed before the final report
    assert ents["DDK003"]["年均考核总分"] == 50
    assert ents["DDK001"]["候选"] == "典范企业、价值创造标杆" and ents["DDK005"]["候选"] == "—"
    assert ents["DDK002"]["差距缩小达标的核心指标数"] == 2  # 净利润 and 营业现金比率 exactly 50%
    assert ents["DDK004"]["2023年量化目标数"] is None and ents["DDK004"]["评估报告"] == "未报送"

    header = [c.value for c in wb["分类汇总"][1]]
    cats = {r[0]: dict(zip(header, r, strict=False)) for r in wb["分类汇总"].iter_rows(min_row=2, values_only=True)}
    assert cats["公益类"]["2023年达成比例"] == pytest.approx(6 / 9, abs=1e-4)  # only DDK005 reported
    assert cats["商业一类"]["企业数"] == 3
    assert cats["商业一类"]["2023年平均考核总分"] == pytest.approx((100 + 100 + 100) / 3, abs=1e-3)
    assert cats["商业一类"]["2024年平均考核总分"] == pytest.approx((100 + 0 + 100) / 3, abs=1e-3)

    header = [c.value for c in wb["核心指标轨迹"][1]]
    trail = {
        (r[0], r[2]): dict(zip(header, r, strict=False))
        for r in wb["核心指标轨迹"].iter_rows(min_row=2, values_only=True)
    }
    debt = trail[("DDK005", "资产负债率")]
    assert (debt["基期值（企业现状）"], debt["2023年实际值"], debt["2024年目标值"], debt["标杆值（标杆企业现状）"]) == (
        70,
        70,
        65,
        55,
    )
    assert debt["差距缩小比例"] == 0 and debt["方向"] == "越低越好"
    profit = trail[("DDK005", "利润总额")]
    assert profit["差距缩小比例"] == pytest.approx(-0.8) and "较基期退步" in profit["说明"]
    assert trail[("DDK003", "全员劳动生产率")]["2024年实际值"] == 95  # from the final report
    assert trail[("DDK009", "利润总额")]["说明"].startswith("缺少基期值（企业现状）")
    kept = [[c.value for c in row] for row in wb["候选名单"].iter_rows(min_row=2)]
    assert [(r[0], r[1]) for r in kept] == [
        ("典范企业", "DDK001"),
        ("价值创造标杆", "DDK001"),
        ("价值创造标杆", "DDK002"),
    ]

    # -- the Word document for the official file ---------------------------------------------
    doc = Document(result["outputs"]["docx"])
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、总体情况",
        "二、目标任务完成情况",
        "三、核心指标变化",
        "四、标杆/典范候选",
        "五、下一步工作（建立健全长效工作机制）",
    ]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "典范企业候选：示例城市建设投资集团有限公司（示例）（商业二类）。推荐理由：2023年度考核“优秀”" in text
    assert (
        "价值创造标杆候选：示例文旅景区运营有限公司（示例文化旅游发展集团有限公司（示例）所属，景区运营）（商业一类）"
        in text
    )
    assert "3户企业报送评估报告并被接收，6户尚未报送" in text
    follow_up = next(p.text for p in doc.paragraphs if p.text.startswith("（四）加强督促指导"))
    assert "示例水务有限公司（示例）" in follow_up
    # 专项督导 follows the grades: 6/9 targets met but graded 合格 both years, so it is listed, with why
    assert "示例公共交通运营有限公司（示例）（2023年度考核“合格”（76.67分，量化目标达成6/9项）" in follow_up
    assert (
        doc.paragraphs[0]
        .runs[0]
        .element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "方正小标宋简体"
    )

    # -- the HTML report in headless Chromium ------------------------------------------------
    shot, boxes = screenshot_report(Path(result["outputs"]["html"]), "final-review")
    assert shot.stat().st_size > 10_000
    assert len(boxes) == 3 + 6  # completion, scores, gaps + one trajectory per core indicator
    assert all(b["width"] > 200 and b["height"] > 100 for b in boxes)

    html = Path(result["outputs"]["html"]).read_text(encoding="utf-8")
    assert "共7户企业缺报27份材料；缺报材料的企业不列为候选" in html
    assert "DDK007 示例数字科技有限公司（示例）（典范企业，缺报价值创造行动评估报告）" in html
    assert "示例数字科技有限公司（示例）的考核和指标满足典范企业候选条件，但缺报价值创造行动评估报告" in text

    # -- SASAC told once; a rerun overwrites the same files and records nothing new ----------
    sasac = [msg for msg in read_outbox(initialized_home) if "总结评估报告已生成" in msg.get("title", "")]
    assert len(sasac) == 1
    assert "典范企业候选 1 户" in sasac[0]["body"] and "缺报材料 27 份（7 户）" in sasac[0]["body"]
    again = final_review(as_of=resolve_as_of("2025-07-03"))
    assert again["outputs"] == result["outputs"] and again["message"]["newly_recorded"] == 0

    # -- a late file: the calendar's update step writes a new dated version, the first is kept -----
    from flows.campaign_tick import RUNNERS

    def update(day: str) -> dict:
        return RUNNERS["final-review-update"](ClockStep("final-review-update"), resolve_as_of(day), None)

    assert update("2025-07-07") == {"updated": False, "reason": "自上一版总结评估以来没有新接收的材料"}
    _file_report(tmp_path, "DDK007", "2025-07-08")
    late = update("2025-07-08")
    assert late["updated"] is True and late["candidates"] == 4  # DDK007 now proposed as 典范
    assert update("2025-07-09")["updated"] is False
    with session_scope() as session:
        keys = session.scalars(
            sa.select(m.Notification.key).where(
                m.Notification.recipient == "sasac", m.Notification.key.like("final-review:%")
            )
        ).all()
    assert sorted(keys) == ["final-review:2025-07-03", "final-review:2025-07-08"]
    latest = [msg for msg in read_outbox(initialized_home) if "2025年7月8日" in msg.get("title", "")]
    assert "本版计入了2025年7月3日版之后接收的补报材料，此前各版保留" in latest[0]["body"]
    folder = initialized_home / "reports/final-review"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2025-07-03",
        "2025-07-08",
        "价值创造行动总结评估报告.docx",
        "价值创造行动总结评估报告.html",
        "价值创造行动总结评估汇总表.xlsx",
    ]
    first = (folder / "2025-07-03/价值创造行动总结评估报告.html").read_text(encoding="utf-8")
    newest = (folder / "价值创造行动总结评估报告.html").read_text(encoding="utf-8")
    assert "缺报价值创造行动评估报告）" in first and "共6户企业缺报26份材料" in newest
    assert "此前各版（2025年7月3日）保留" in newest


def test_report_final_on_an_empty_campaign_reports_the_gaps(prefect_harness, initialized_home, monkeypatch):
    """Nothing filed, nothing assessed: the review still runs, proposes nobody and says what is missing."""
    from typer.testing import CliRunner

    from campaign.cli.app import app

    for key in (
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL",
        "PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL",
        "PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL",
        "PREFECT_SERVER_ANALYTICS_ENABLED",
    ):
        monkeypatch.setenv(key, "WARNING" if "LOGGING" in key else "false")  # restored after the test
    out = CliRunner().invoke(app, ["report", "final", "--as-of", "2025-07-03"])
    assert out.exit_code == 0, out.output
    # 9 enterprises × (2 completions, 2023 list, 2 assessments, report); every one of the 54 files named
    assert "候选 0 个，缺报材料 54 份（9 户），数据缺失 54 项" in out.output
    assert "缺报：DDK001 2023年度目标任务清单（附件2）、2023年度价值创造行动目标任务完成情况" in out.output
    wb = load_workbook(initialized_home / "reports/final-review/价值创造行动总结评估汇总表.xlsx")
    assert wb["候选名单"].max_row == 1
    notes = [r[-1] for r in wb["企业汇总"].iter_rows(min_row=2, values_only=True)]
    assert all("2023年度考核尚未定稿" in n and "未报送评估报告" in n for n in notes)
    doc = Document(initialized_home / "reports/final-review/价值创造行动总结评估报告.docx")
    assert "典范企业候选：本次无企业满足全部条件。" in [p.text for p in doc.paragraphs]
