from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.reports.excel import append_safe, safe_cell
from campaign.submissions.export import export_task_items
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.support.filling import fill


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1", "'+1"),
        ("-5%", "'-5%"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("利润总额", "利润总额"),
        (" =1", " =1"),
        ("", ""),
        (-5, -5),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_saved_workbook_has_no_formula(tmp_path):
    wb = Workbook()
    append_safe(wb.active, ['=HYPERLINK("http://x.invalid","点")', "@SUM(1)", 3])
    wb.save(tmp_path / "x.xlsx")
    cells = [c for c in load_workbook(tmp_path / "x.xlsx").active[1]]
    assert [c.data_type for c in cells] == ["s", "s", "n"]
    assert cells[0].value == '\'=HYPERLINK("http://x.invalid","点")'


def test_export_of_enterprise_values_is_injection_safe(initialized_home, tmp_path):
    config = load_config()
    tpl = write_task_list(config, config.enterprise("DDK001"), config.deliverable("task-list-2023"), tmp_path)

    def edit(wb, ws, col):
        ws.cell(5, col["measures"]).value = "=1+1"
        ws.cell(5, col["measures"]).data_type = "s"  # typed as text by the enterprise, e.g. '=1+1 in Excel

    filled = fill(tpl, tmp_path / "DDK001_task-list-2023.xlsx", edit=edit)
    outcome = process_file(
        filled, config, resolve_as_of("2023-05-20"), load_channels(get_settings().apprise_config_path)
    )
    assert outcome.accepted
    with session_scope() as s:
        wb = export_task_items(s, "task-list-2023")
    wb.save(tmp_path / "export.xlsx")
    ws = load_workbook(tmp_path / "export.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("企业代码", "企业名称", "版本", "行号") and len(rows) == 10
    assert rows[1][13] == "'=1+1" and rows[1][11] == 12000
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
