"""A half-year summary never goes stale (issue 11, item 8): a progress report accepted after its period was
summarised regenerates the summary, which then shows it as 逾期报送 with the day it was accepted, and the
report agrees with `campaign status` on every enterprise."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.session import session_scope
from campaign.half_year.store import summarized_periods
from campaign.intake.core import process_file
from campaign.submissions.status import campaign_status
from notifications.channels import load_channels
from tests.flow.test_half_year_collection import HALF, _file_list, _fill_progress

CONFIG = load_config()
SUMMARY_TO_STATUS = {"按时报送": "已接收", "逾期报送": "逾期接收", "被退回未重报": "已退回", "未报送": "未报送"}


def _report_states(home: Path) -> dict[str, str]:
    sheet = load_workbook(home / "reports/progress-2023h1/2023年上半年价值创造行动进展情况汇总.xlsx")["报送情况"]
    return {r[0]: r[3] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] and str(r[0]).startswith("DDK")}


def _status_states(as_of: str) -> dict[str, str]:
    with session_scope() as session:
        rows = campaign_status(session, resolve_as_of(as_of))
    return {r.enterprise: r.status_zh for r in rows if r.deliverable == "progress-2023h1"}


def _agree(home: Path, as_of: str) -> None:
    report = {code: SUMMARY_TO_STATUS[state.split("（")[0]] for code, state in _report_states(home).items()}
    assert report == _status_states(as_of)


def test_only_periods_already_summarised_are_refreshed():
    day = lambda text: resolve_as_of(text).date()  # noqa: E731
    assert summarized_periods(CONFIG, {"progress-2023h1", "plan-2023"}, day("2023-07-17")) == ["2023H1"]
    assert summarized_periods(CONFIG, {"progress-2023h1"}, day("2023-07-14")) == []  # not closed yet
    assert summarized_periods(CONFIG, {"progress-2023h2"}, day("2023-07-20")) == []


def test_a_late_report_regenerates_the_summary_and_it_agrees_with_status(prefect_harness, initialized_home, tmp_path):
    from flows.half_year_collection import half_year_collection
    from flows.intake import intake

    for code in ("DDK001", "DDK002"):
        _file_list(tmp_path, code)
    half_year_collection("2023H1", as_of=resolve_as_of("2023-06-20"))
    channels = load_channels(get_settings().apprise_config_path)
    on_time = _fill_progress(initialized_home, tmp_path, "DDK001", HALF)
    assert process_file(on_time, CONFIG, resolve_as_of("2023-07-10"), channels).accepted

    half_year_collection("2023H1", as_of=resolve_as_of("2023-07-17"))  # the period is summarised
    assert _report_states(initialized_home)["DDK002"] == "未报送"
    _agree(initialized_home, "2023-07-17")

    late = _fill_progress(initialized_home, tmp_path, "DDK002", HALF)
    (initialized_home / "inbox").mkdir(exist_ok=True)
    shutil.copy(late, initialized_home / "inbox" / late.name)
    result = intake(as_of=resolve_as_of("2023-07-20"))
    assert result["accepted"] == 1 and result["refreshed"] == ["2023H1"]

    assert _report_states(initialized_home)["DDK002"] == "逾期报送（2023年7月20日接收）"
    _agree(initialized_home, "2023-07-20")
    html_path = initialized_home / "reports/progress-2023h1/2023年上半年价值创造行动进展情况汇总.html"
    html = html_path.read_text(encoding="utf-8")
    assert f"逾期报送：{CONFIG.enterprise('DDK002').name}（2023年7月20日接收）" in html
    assert "截至 2023年7月20日" in html  # the regenerated report says as of when
