"""Each validation rule on its own, over plain values (no files, no database)."""

from __future__ import annotations

import zipfile

import pytest

from campaign.config.model import load_config
from campaign.validation import task_list as tl
from campaign.validation.chars import count_chars
from campaign.validation.filename import check_filename, parse_convention
from campaign.validation.meta import check_meta
from campaign.validation.package import (
    check_macros,
    check_size,
    check_zip_directory,
    scan_xml_part,
)
from campaign.validation.problems import CATALOG, problem
from campaign.validation.targets import parse_target
from campaign.workbook import schema as s

CONFIG = load_config()
DIMS = CONFIG.benchmark_dimensions
INDICATORS = CONFIG.core_indicators


def header_rows():
    first, second = s.expected_header_rows()
    return [["附件2"], ["标题"], first, second]


def row(**values):
    return [values.get(k) for k in s.COLUMN_KEYS]


def valid_rows():
    rows = header_rows()
    for i, ind in enumerate(INDICATORS, start=1):
        rows.append(
            row(seq=i, level1="企业效益", level2=f"{ind.name}（{ind.unit}）", annual_target=100 + i, measures="措施")
        )
    rows.append(row(seq=7, level1="科技创新", level2="研发投入强度", annual_target="3%", measures="措施"))
    rows.append(row(level2="专利授权", annual_target="5项"))  # merged 一级任务 reads as empty
    rows.append(row(seq="总体情况", level1="——", level2="——", scoring_rule="总分"))
    rows.append(row(seq="说明：……"))
    return rows


def codes(problems):
    return [p.code for p in problems]


# --- character counting -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("", 0),
        ("对标世界一流", 6),
        ("一、对标对象。", 7),  # punctuation counts
        ("对标 世界\t一流\n", 6),  # whitespace does not
        ("对标\u3000一流", 4),  # nor the full-width space
        ("利润总额12000万元，ESG", 15),  # digits and letters count one each
        ("零\u200b宽\ufeff", 2),  # invisible characters do not
    ],
)
def test_count_chars(text, expected):
    assert count_chars(text) == expected


# --- targets --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, value, unit",
    [
        (1200, 1200.0, ""),
        ("1200万元", 1200.0, "万元"),
        ("1,200.5 万元", 1200.5, "万元"),
        ("≥95%", 95.0, "%"),
        ("不低于95%", 95.0, "%"),
        ("3项", 3.0, "项"),
        ("-5%", -5.0, "%"),
        ("１２万元", 12.0, "万元"),
        (6.5, 6.5, ""),
    ],
)
def test_parse_target_quantified(raw, value, unit):
    target = parse_target(raw)
    assert target is not None and target.value == value and target.unit == unit


@pytest.mark.parametrize("raw", [None, "", "提升", "显著提高", "3-5项", "完成改革任务", True, float("nan")])
def test_parse_target_not_quantified(raw):
    assert parse_target(raw) is None


# --- file names -------------------------------------------------------------------------------
def test_filename_convention():
    assert parse_convention("DDK001_task-list-2023.xlsx") == ("DDK001", "task-list-2023", "xlsx")
    assert parse_convention("ddk001_task-list-2023.xlsx") is None
    assert parse_convention("DDK001-task-list-2023.xlsx") is None
    assert check_filename("DDK001_task-list-2023.xlsx") == []
    assert check_filename("示例集团2023年目标任务清单.xlsx") == []  # odd but harmless: identified by metadata


@pytest.mark.parametrize(
    "name, reason",
    [
        ("..\\..\\etc\\DDK001_task-list-2023.xlsx", "路径"),
        ("..DDK001_task-list-2023.xlsx", "路径"),
        ("DDK001\x07.xlsx", "控制字符"),
        (".hidden.xlsx", "隐藏文件"),
        ("~$DDK001_task-list-2023.xlsx", "临时文件"),
        ("DDK001_task-list-2023.exe", "扩展名"),
        ("noextension", "没有扩展名"),
        (b"\xb1\xea\xd7\xbc.xlsx".decode("utf-8", "surrogateescape"), "UTF-8"),
        ("名" * 201 + ".xlsx", "过长"),
    ],
)
def test_filename_rejected(name, reason):
    problems = check_filename(name)
    assert codes(problems) == ["E_FILENAME"] and reason in problems[0].message


def test_non_utf8_name_is_displayable():
    name = b"\xb1\xea\xd7\xbc.xlsx".decode("utf-8", "surrogateescape")
    assert "\\xb1\\xea" in check_filename(name)[0].message


# --- metadata ------------------------------------------------------------------------------------
def test_meta_rules():
    meta = {"enterprise_code": "DDK001", "deliverable_id": "task-list-2023", "template_version": s.TEMPLATE_VERSION}
    assert check_meta(meta, s.TEMPLATE_VERSION, ("DDK001", "task-list-2023")) == []
    assert check_meta(None, s.TEMPLATE_VERSION, ("DDK001", "task-list-2023")) == []
    assert codes(check_meta(meta, s.TEMPLATE_VERSION, ("DDK002", "task-list-2023"))) == ["E_META_MISMATCH"]
    old = {**meta, "template_version": "attachment2-task-list/2022.1"}
    found = check_meta(old, s.TEMPLATE_VERSION, None)
    assert codes(found) == ["E_TEMPLATE_VERSION"] and "attachment2-task-list/2022.1" in found[0].message


# --- package ---------------------------------------------------------------------------------------
def test_size_limit():
    assert check_size(100, 100) == []
    assert codes(check_size(101, 100)) == ["E_TOO_LARGE"]


def _info(name, size, compressed):
    info = zipfile.ZipInfo(name)
    info.file_size, info.compress_size = size, compressed
    return info


def test_zip_directory_rules():
    assert check_zip_directory([_info("xl/workbook.xml", 5_000_000, 500_000)]) == []
    assert codes(check_zip_directory([_info("xl/sheet.xml", 50_000_000, 50_000)])) == ["E_ZIP_BOMB"]
    assert codes(check_zip_directory([_info("a.xml", 150 * 1024 * 1024, 100 * 1024 * 1024)])) == ["E_ZIP_BOMB"]
    assert codes(check_zip_directory([_info(f"x{i}.xml", 10, 10) for i in range(3000)])) == ["E_ZIP_BOMB"]
    assert codes(check_zip_directory([_info("../../evil.xml", 10, 10)])) == ["E_CORRUPT"]
    assert codes(check_zip_directory([_info("", 10, 10)])) == ["E_CORRUPT"]  # atheris: an empty name crashed intake


def test_macro_rules():
    assert check_macros(["xl/workbook.xml"], "xlsx") == []
    assert codes(check_macros(["xl/vbaProject.bin"], "xlsx")) == ["E_MACRO"]
    assert codes(check_macros([], "xlsm")) == ["E_MACRO"]
    types = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override %s/></Types>'
    macro = b'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"'
    vba = b'PartName="/xl/stuff.dat" ContentType="application/vnd.ms-office.vbaProject"'
    assert codes(scan_xml_part("[Content_Types].xml", types % macro)[0]) == ["E_MACRO"]
    assert codes(scan_xml_part("[Content_Types].xml", types % vba)[0]) == ["E_MACRO"]
    plain = b'PartName="/xl/workbook.xml" ContentType="application/xml"'
    assert scan_xml_part("[Content_Types].xml", types % plain) == ([], [])


def test_xml_part_rules():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>'
    assert codes(scan_xml_part("xl/workbook.xml", bomb)[0]) == ["E_XML_BOMB"]
    assert codes(scan_xml_part("xl/workbook.xml", b"<x><unclosed></x>")[0]) == ["E_CORRUPT"]
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="5"><c r="H5"><f>SUM(A1:A2)</f><v>3</v></c><c r="I5" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    problems, cells = scan_xml_part("xl/worksheets/sheet1.xml", sheet)
    assert problems == [] and cells == ["H5"]


# --- task list ---------------------------------------------------------------------------------------
def test_valid_task_list_passes_with_items():
    items, problems = tl.validate_task_list(valid_rows(), DIMS, INDICATORS)
    assert problems == []
    assert [i.row for i in items] == list(range(5, 13))
    assert items[-1].values["level1"] == "科技创新"  # inherited from the merged cell above
    assert tl.unit_for(items[0], INDICATORS) == "万元" and tl.unit_for(items[-1], INDICATORS) == "项"


def test_header_renamed_column():
    rows = valid_rows()
    rows[3] = list(rows[3])
    rows[3][7] = "目标值"
    found = tl.check_header(rows)
    assert codes(found) == ["E_COLUMNS"] and "第 8 列应为“年度目标值”，实为“目标值”" in found[0].message


def test_header_missing_column():
    rows = [list(r[:9]) + list(r[10:]) for r in valid_rows()]  # 实际完成值 removed
    assert codes(tl.validate_task_list(rows, DIMS, INDICATORS)[1]) == ["E_COLUMNS"]


def test_empty_list():
    rows = header_rows() + [
        row(seq=i, level1="企业效益", level2=f"{ind.name}（{ind.unit}）") for i, ind in enumerate(INDICATORS, 1)
    ]
    assert codes(tl.validate_task_list(rows, DIMS, INDICATORS)[1]) == ["E_EMPTY_LIST"]


def test_dimension_outside_set_and_other_allowed():
    rows = valid_rows()
    rows.insert(-2, row(level1="党的建设", level2="x", annual_target="1项"))
    rows.insert(-2, row(level1="其他：安全生产", level2="y", annual_target="0起"))
    found = tl.check_dimensions(tl.extract_items(rows), DIMS)
    assert codes(found) == ["E_DIMENSION"] and "第 13 行的一级任务“党的建设”" in found[0].message


def test_target_not_quantified():
    rows = valid_rows()
    rows[5][7] = "稳步提升"
    found = tl.check_targets(tl.extract_items(rows))
    assert [p.message for p in found] == ["第 6 行（净利润（万元））的年度目标值“稳步提升”未量化。"]


def test_sasac_columns_filled():
    rows = valid_rows()
    rows[4][11] = 10
    found = tl.check_sasac_columns(tl.extract_items(rows))
    assert [p.message for p in found] == ["第 5 行填写了“年度考核得分”（内容：10）。"]


def test_core_indicator_missing():
    rows = valid_rows()
    del rows[6]  # 资产负债率
    found = tl.check_core_indicators(tl.extract_items(rows), INDICATORS)
    assert [p.message for p in found] == ["企业效益下缺少核心指标“资产负债率”。"]


def test_core_indicator_under_wrong_dimension_counts_as_missing():
    rows = valid_rows()
    rows[4][1] = "企业实力"
    found = tl.check_core_indicators(tl.extract_items(rows), INDICATORS)
    assert codes(found) == ["E_CORE_INDICATOR_MISSING"]


def test_cell_too_long():
    rows = valid_rows()
    rows[4][8] = "措" * 2001
    assert codes(tl.check_cell_lengths(tl.extract_items(rows))) == ["E_TOO_LONG"]


def test_too_many_rows():
    rows = header_rows() + [row(level1="科技创新", level2="x", annual_target=1, measures="m")] * 501
    assert codes(tl.validate_task_list(rows, DIMS, INDICATORS)[1]) == ["E_TOO_MANY_ROWS"]


def test_catalog_messages_are_chinese_and_have_hints():
    for code, (message, hint) in CATALOG.items():
        assert code.startswith("E_") and message and hint
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message + hint)
    assert problem("E_EMPTY_LIST").as_dict()["code"] == "E_EMPTY_LIST"


def test_completion_needs_actual_values():
    rows = valid_rows()
    items, problems = tl.validate_task_list(rows, DIMS, INDICATORS, completion=True)
    assert codes(problems) == ["E_ACTUAL_MISSING"] * 8
    assert problems[0].message == "第 5 行（利润总额（万元））未填写实际完成值。"
    for r in rows[4:12]:
        r[9] = "已完成"
    assert tl.validate_task_list(rows, DIMS, INDICATORS, completion=True)[1] == []
