"""Simulated enterprises report figures a reader would believe (issue 11, item 20): 营业现金比率 in the range public
statistics give (not ~100% against benchmarks of 130–154%), 营业收入 consistent with 利润总额, and the half-year
progress reports consistent with the completion report (the H2 full-year figure within a tolerance)."""

from __future__ import annotations

from openpyxl import load_workbook

from campaign.config.model import load_config
from campaign.simulation.data import CORE_BASE, PROFIT_MARGIN, PROGRESS_TOLERANCE, enterprise_rows, fmt, target_text
from campaign.simulation.files import build_file
from campaign.validation.targets import parse_target
from campaign.workbook import progress as pw

CONFIG = load_config()
YEARS = [2023, 2024]
SEEDS = range(1, 21)


def _rows(enterprise, seed):
    return {r.task: r for r in enterprise_rows(CONFIG, enterprise, seed, YEARS)}


def test_cash_ratio_and_its_benchmark_are_in_the_range_of_public_statistics():
    for seed in SEEDS:
        for enterprise in CONFIG.enterprises:
            cash = _rows(enterprise, seed)["营业现金比率"]
            low, high = CORE_BASE["营业现金比率"][enterprise.category.value]
            assert low <= cash.baseline <= high <= 30, (enterprise.code, seed, cash.baseline)
            assert cash.baseline < cash.benchmark <= 1.6 * cash.baseline < 45
            assert all(2 < v < 45 for v in (*cash.targets.values(), *cash.actuals.values()))


def test_revenue_follows_profit_at_the_margin_of_the_category():
    seen = 0
    for seed in SEEDS:
        for enterprise in CONFIG.enterprises:
            rows = _rows(enterprise, seed)
            if "营业收入" not in rows:
                continue
            seen += 1
            margin = rows["利润总额"].baseline / rows["营业收入"].baseline
            low, high = PROFIT_MARGIN[enterprise.category.value]
            assert low <= margin <= high, (enterprise.code, seed, margin)
    assert seen > 10


def _progress_values(tmp_path, enterprise, seed, period):
    """File the enterprise's progress report for `period` on the pre-filled template, as the simulation does."""
    deliverable = next(d for d in CONFIG.deliverables if d.period == period)
    rows = enterprise_rows(CONFIG, enterprise, seed, YEARS)
    planned = [
        pw.PlannedRow(n, r.dimension or "企业效益", r.task, target_text(r, deliverable.year))
        for n, r in enumerate(rows, start=5)
    ]
    home = tmp_path / f"{enterprise.code}-{seed}"
    pw.write_progress_workbook(enterprise, deliverable, planned, home / "outgoing" / deliverable.id)
    path = build_file(CONFIG, enterprise, deliverable, rows, False, home, home / "sent")
    assert path is not None
    ws = load_workbook(path)[pw.SHEET_TITLE]
    reported = {}
    for r in range(pw.FIRST_ROW, pw.FIRST_ROW + len(rows)):
        value = parse_target(ws.cell(r, 5).value)
        assert value is not None
        reported[ws.cell(r, 3).value] = value.value
    return {r.task: r for r in rows}, reported


def test_the_h2_progress_report_gives_the_full_year_figures_of_the_completion_report(tmp_path):
    for seed in (1, 2, 3):
        for enterprise in CONFIG.enterprises:
            rows, reported = _progress_values(tmp_path, enterprise, seed, "2023H2")
            for task, value in reported.items():
                completion = parse_target(fmt(rows[task].actuals[2023], rows[task].unit))  # as the report writes it
                assert completion is not None
                # the tolerance, plus the rounding of figures to the digits a person writes
                assert abs(value - completion.value) <= PROGRESS_TOLERANCE * abs(completion.value) + 0.06, (
                    enterprise.code,
                    task,
                )


def test_the_h1_progress_report_gives_about_half_of_the_years_flows(tmp_path):
    for enterprise in CONFIG.enterprises:
        rows, reported = _progress_values(tmp_path, enterprise, 1, "2023H1")
        for task, value in reported.items():
            row, actual = rows[task], rows[task].actuals[2023]
            if row.unit == "万元":
                assert 0.40 * actual <= value <= 0.54 * actual, (enterprise.code, task)
            elif row.unit == "%":
                assert abs(value - actual) <= 0.15 * actual + 0.06, (enterprise.code, task)
