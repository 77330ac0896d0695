"""Which filed versions the final review reads: fallbacks and the as_of cut-off (no Prefect needed)."""

from __future__ import annotations

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.session import session_scope
from campaign.final_review.store import gather
from campaign.intake.core import process_file
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.flow.test_final_review_flow import BASELINE
from tests.support.assessment import ACTUALS
from tests.support.filling import file_attachment1, fill

CONFIG = load_config()


def _submit(tmp_path, code: str, deliverable: str, actuals: list[str], as_of: str) -> None:
    template = write_task_list(
        CONFIG, CONFIG.enterprise(code), CONFIG.deliverable(deliverable), tmp_path / deliverable / code
    )

    def edit(wb, ws, col):
        for offset, (bench, now) in enumerate(BASELINE.values()):
            ws.cell(s.FIRST_DATA_ROW + offset, col["benchmark_status"], bench)
            ws.cell(s.FIRST_DATA_ROW + offset, col["current_status"], now)
        for offset, value in enumerate(actuals):
            ws.cell(s.FIRST_DATA_ROW + offset, col["actual_value"], value)

    filled = fill(template, tmp_path / deliverable / f"{code}_{deliverable}.xlsx", edit=edit)
    outcome = process_file(filled, CONFIG, resolve_as_of(as_of), load_channels(get_settings().apprise_config_path))
    assert outcome.accepted, outcome.problems


def test_sources_fallbacks_and_cut_off(initialized_home, tmp_path):
    # DDK001: no 2023 list (baseline from its 2023 completion report); both a 2024 completion and a final one.
    _submit(tmp_path, "DDK001", "completion-2023", ACTUALS["exact"], "2024-01-25")
    _submit(tmp_path, "DDK001", "completion-2024", ACTUALS["exact"], "2025-02-20")
    _submit(tmp_path, "DDK001", "completion-final-2025", ACTUALS["over"], "2025-05-20")
    # DDK002: its 2024 completion arrives after the review date and must not count.
    _submit(tmp_path, "DDK002", "completion-2023", ACTUALS["weak"], "2024-01-25")
    _submit(tmp_path, "DDK002", "completion-2024", ACTUALS["over"], "2025-08-01")

    with session_scope() as session:
        data = {d.code: d for d in gather(session, CONFIG, resolve_as_of("2025-07-01"))}

    one = data["DDK001"]
    profit = next(p for p in one.indicators if p.indicator == "利润总额")
    assert (profit.baseline, profit.benchmark) == (10000, 15000)  # from completion-2023
    assert profit.actuals == {2023: 12000, 2024: 12000}  # completion-2024 wins over the final report
    assert profit.targets == {2023: 12000, 2024: 12000}
    assert not any("取自" in n for n in one.notes)
    assert len(one.items[2024]) == 9

    two = data["DDK002"]
    assert "未报送2024年度完成情况" in two.notes and two.items[2024] == []
    assert next(p for p in two.indicators if p.indicator == "利润总额").actuals == {2023: 6000, 2024: None}
    assert "2023年度考核尚未定稿" in two.notes and two.evaluation_report is None

    none = data["DDK009"]
    assert none.notes[:3] == [
        "未报送2023年度完成情况",
        "未报送2024年度完成情况",
        "没有2023年度目标任务清单，核心指标缺少基期值和标杆值",
    ]
    assert all(p.baseline is None and p.benchmark is None for p in none.indicators)


def _attachment1(tmp_path, code: str, deliverable: str, as_of: str, benchmarks: str | None = None):
    outcome = file_attachment1(tmp_path, code, deliverable, as_of, benchmarks)
    assert outcome.accepted, outcome.problems


def test_the_final_review_says_whom_each_enterprise_benchmarked_against(initialized_home, tmp_path):
    from openpyxl import load_workbook

    from campaign.final_review.outputs import write_outputs
    from campaign.final_review.rules import review

    _attachment1(tmp_path, "DDK001", "targets-2023", "2023-05-20", "对标方式：单户。对标企业：招商局集团有限公司。")
    _attachment1(tmp_path, "DDK001", "targets-2024", "2024-03-01")  # the latest filing counts: 多户
    _attachment1(
        tmp_path, "DDK002", "targets-2023", "2023-05-20", "对标方式：单户。对标企业：上海城投（集团）有限公司。"
    )
    as_of = resolve_as_of("2025-07-03")
    with session_scope() as session:
        data = gather(session, CONFIG, as_of)
    by_code = {d.code: d for d in data}
    one = by_code["DDK001"].benchmarks
    assert one is not None and (one.mode, one.names, one.source) == (
        "多户",
        ["招商局集团有限公司", "华润（集团）有限公司"],
        "2024年度价值创造行动目标任务（附件1）",
    )
    assert by_code["DDK003"].benchmarks is None

    outputs = write_outputs(initialized_home, CONFIG, review(data, CONFIG.final_review), as_of)
    html = open(outputs["html"], encoding="utf-8").read()
    assert "多户对标：招商局集团有限公司、华润（集团）有限公司" in html and "单户对标：上海城投（集团）有限公司" in html
    sheet = load_workbook(outputs["xlsx"])["企业汇总"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert (rows["DDK001"]["对标方式"], rows["DDK001"]["对标企业"]) == (
        "多户",
        "招商局集团有限公司、华润（集团）有限公司",
    )
    assert rows["DDK003"]["对标方式"] == "—"
    from docx import Document

    text = "\n".join(p.text for p in Document(outputs["docx"]).paragraphs)
    assert "对标对象：2户企业在目标任务中写明了对标对象，其中单户对标1户、多户对标1户。" in text
