"""The 2023 filings the annual-assessment tests score: four enterprises' 完成情况 at three levels, one
with targets only. Shared by the flow test (resumed from code) and the Prefect UI test (resumed in the form)."""

from __future__ import annotations

from pathlib import Path

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
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


def file_list(tmp_path: Path, code: str, deliverable: str, actuals: list[str] | None, as_of: str) -> None:
    """Generate the enterprise's list, fill it as the enterprise would, and hand it to intake."""
    template = write_task_list(
        CONFIG, CONFIG.enterprise(code), CONFIG.deliverable(deliverable), tmp_path / "tpl" / code
    )

    def put_actuals(wb, ws, col):
        for offset, value in enumerate(actuals or []):
            ws.cell(s.FIRST_DATA_ROW + offset, col["actual_value"], value)

    filled = fill(template, tmp_path / f"{code}_{deliverable}.xlsx", edit=put_actuals)
    outcome = process_file(filled, CONFIG, resolve_as_of(as_of), load_channels(get_settings().apprise_config_path))
    assert outcome.accepted, outcome.problems


def file_2023(tmp_path: Path) -> None:
    """Everything filed by the 2024-02-05 assessment: 完成情况 from four enterprises, targets only from DDK008."""
    for code, profile in PROFILES.items():
        file_list(tmp_path, code, "completion-2023", ACTUALS[profile], "2024-01-25")
    file_list(tmp_path, "DDK008", "task-list-2023", None, "2023-05-20")  # targets only, no 完成情况


def weak_total_with_rd_adjusted_to(rd_score: float) -> float:
    """DDK005's (公益类, profile "weak") total once SASAC sets its 研发投入强度 row to `rd_score`.

    Its weights are the category's (企业效益 25 of the 51 points present; inside it 利润总额 and 净利润
    count half a row and 营业现金比率 one and a half, 5.5 row shares in all). Profit at 50% is below
    the 60% floor (0); debt 70% vs ≤65% is a 65/70 completion, which earns (65/70 − 80%) ÷ 20% of the
    row; R&D 1% of 2% is below the floor (0) until adjusted.
    """
    w_ebiz = 100 * 25 / 51
    w_profit, w_debt = w_ebiz * 0.5 / 5.5, w_ebiz * 1 / 5.5
    w_rd = 100 * 8 / 51
    return 100 - w_profit - w_debt * (1 - (65 / 70 - 0.8) / 0.2) - w_rd + rd_score
