from __future__ import annotations

from openpyxl import load_workbook

from campaign.config.model import load_config
from campaign.config.settings import server_secret
from campaign.validation.meta import check_meta_signature, meta_signature
from campaign.workbook import schema as s
from campaign.workbook.generate import write_task_list


def _generate(tmp_path, deliverable="task-list-2023"):
    config = load_config()
    return config, write_task_list(config, config.enterprise("DDK001"), config.deliverable(deliverable), tmp_path)


def test_columns_and_two_row_header(tmp_path):
    _, path = _generate(tmp_path)
    assert path.name == "DDK001_task-list-2023.xlsx"
    ws = load_workbook(path)[s.SHEET_TITLE]
    row3 = [c.value for c in ws[s.HEADER_ROW_1]]
    row4 = [c.value for c in ws[s.HEADER_ROW_2]]
    assert row3 == [
        "序号",
        "一级任务",
        "二级任务",
        "标杆企业现状",
        "企业现状",
        "存在差距",
        "发展目标",
        None,
        "主要措施",
        "实际完成值",
        "计分规则",
        "年度考核得分",
        "备注",
    ]
    assert row4 == [None] * 6 + ["总体目标", "年度目标值"] + [None] * 5
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "G3:H3" in merged and "A3:A4" in merged and "M3:M4" in merged and "G3:G4" not in merged
    assert ws["A1"].value == "附件2" and "2023年度目标任务清单" in ws["A2"].value
    assert ws.freeze_panes == "C5"
    assert ws["A3"].font.name == "黑体" and ws["C5"].font.name == "宋体"
    assert ws.column_dimensions["I"].width > ws.column_dimensions["A"].width


def test_core_indicators_prelisted_with_units_and_total_row_and_notes(tmp_path):
    config, path = _generate(tmp_path)
    ws = load_workbook(path)[s.SHEET_TITLE]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=s.FIRST_DATA_ROW)]
    listed = [(r[1], r[2]) for r in rows[:6]]
    assert listed == [("企业效益", f"{i.name}（{i.unit}）") for i in config.core_indicators]
    assert [i.name for i in config.core_indicators] == [
        "利润总额",
        "净利润",
        "资产负债率",
        "净资产收益率",
        "全员劳动生产率",
        "营业现金比率",
    ]
    total = rows[s.DATA_ROWS]
    assert total[:3] == ["总体情况", "——", "——"] and total[10] == "总分" and total[11] is None
    texts = [r[0] for r in rows if r[0] and isinstance(r[0], str)]
    assert "说明：1．为推动落实，各企业应将目标任务量化分解到清单中，计分规则、年度考核得分不填。" in texts
    assert "2．各企业根据实际，可在上述维度基础上增加其他维度。" in texts


def test_dimension_dropdown_and_only_sasac_columns_locked(tmp_path):
    config, path = _generate(tmp_path)
    ws = load_workbook(path)[s.SHEET_TITLE]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"' + ",".join(config.benchmark_dimensions + ["其他"]) + '"'
    assert str(lists[0].sqref) == f"B{s.FIRST_DATA_ROW}:B{s.FIRST_DATA_ROW + s.DATA_ROWS - 1}"
    assert ws.protection.sheet is True
    row = s.FIRST_DATA_ROW + 10
    locked = {c.column_letter for c in ws[row] if c.protection.locked}
    assert locked == {"K", "L"}  # 计分规则, 年度考核得分
    assert ws["B3"].protection.locked  # header cannot be renamed


def test_hidden_protected_metadata(tmp_path):
    _, path = _generate(tmp_path, "completion-2023")
    wb = load_workbook(path)
    meta = wb[s.META_SHEET]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    pairs = {r[0]: r[1] for r in meta.iter_rows(values_only=True)}
    assert pairs == {
        "enterprise_code": "DDK001",
        "deliverable_id": "completion-2023",
        "template_version": s.TEMPLATE_VERSION,
        "signature": meta_signature(pairs, server_secret()),
    }
    assert check_meta_signature(pairs, server_secret()) == []
    assert check_meta_signature({**pairs, "enterprise_code": "DDK002"}, server_secret())[0].code == "E_META_SIGNATURE"
    assert check_meta_signature(pairs, "another-deployment-" + "k" * 32)[0].code == "E_META_SIGNATURE"
