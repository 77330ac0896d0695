"""Safety checks on the file itself, before any parser sees it.

Office files are zip packages of XML parts. Every check here reads only the zip directory and the XML
parts through defusedxml, with hard limits, so a hostile file costs bounded time and memory:
size, non-zip or truncated files, zip bombs (declared sizes and ratios), macros, XML bombs
(entity definitions / DTDs), and formulas (never evaluated; their presence is reported).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from campaign.validation.problems import Problem, problem

MAX_MEMBERS = 2_000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200  # real xlsx/docx parts compress ~5-20x; bombs compress 1000x+
RATIO_APPLIES_ABOVE = 1024 * 1024
MAX_XML_PART = 50 * 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls/.doc
PDF_MAGIC = b"%PDF-"

KIND_MARKERS = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
KIND_LABEL = {"xlsx": "Excel 工作簿（.xlsx）", "docx": "Word 文档（.docx）", "pdf": "PDF 文件（.pdf）"}


@dataclass
class PackageReport:
    problems: list[Problem] = field(default_factory=list)
    formula_cells: list[str] = field(default_factory=list)
    # (reason, what the file really is) when its type is wrong, so the advice can be redone once the
    # deliverable (and so the kinds it accepts) is known: xlsx | docx | pdf | legacy | unknown
    file_type: tuple[str, str] | None = None


def file_type_advice(actual: str, allowed: Sequence[str], example: str | None = None) -> str:
    """What to do about a file of the wrong type, right for what it is: renaming fixes a real .docx sent as
    .xlsx to a deliverable that accepts Word; it never converts one format into another."""
    accepted = "、".join(KIND_LABEL.get(k, k) for k in allowed)
    if actual in allowed:
        renamed = f"（如 {example}）" if example else ""
        return (
            f"文件内容实际是{KIND_LABEL[actual]}，本项材料接收{accepted}；"
            f"请把扩展名改为 .{actual}{renamed}后重新报送，文件内容不必改动。"
        )
    if actual in KIND_LABEL:
        how = "使用区国资委下发的模板填写" if "xlsx" in allowed else f"将内容整理为{accepted}"
        return f"本项材料只接收{accepted}，不接收{KIND_LABEL[actual]}；请{how}后重新报送（修改扩展名不能转换格式）。"
    if actual == "legacy":
        return (
            f"本项材料接收{accepted}。请在 Office/WPS 中打开文件，“另存为”{accepted}后重新报送"
            "（只修改扩展名不能转换格式）；"
            "如文件设置了打开密码，请取消密码后保存。"
        )
    if actual == "link":
        return f"请报送文件本身，不要报送快捷方式或链接；本项材料接收{accepted}。"
    return (
        f"文件内容不是{accepted}（可能是网页、图片或损坏的文件）。"
        f"请用 Office/WPS 打开原始文件，“另存为”{accepted}后重新报送。"
    )


def file_type_problem(reason: str, actual: str, allowed: Sequence[str], example: str | None = None) -> Problem:
    return problem("E_FILE_TYPE", reason=reason, advice=file_type_advice(actual, allowed, example))


def check_size(size: int, limit: int) -> list[Problem]:
    if size <= limit:
        return []
    return [problem("E_TOO_LARGE", size_mb=f"{size / 1048576:.1f}", limit_mb=f"{limit / 1048576:.0f}")]


def check_zip_directory(infos: list[zipfile.ZipInfo]) -> list[Problem]:
    """Zip-bomb and path checks from the central directory only (nothing is decompressed)."""
    if len(infos) > MAX_MEMBERS:
        return [problem("E_ZIP_BOMB", reason=f"包含 {len(infos)} 个内部文件")]
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        return [problem("E_ZIP_BOMB", reason=f"解压后共 {total / 1048576:.0f} MB")]
    for info in infos:
        if info.file_size > MAX_MEMBER_UNCOMPRESSED:
            return [
                problem("E_ZIP_BOMB", reason=f"内部文件 {info.filename[:60]} 解压后 {info.file_size / 1048576:.0f} MB")
            ]
        if info.file_size > RATIO_APPLIES_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return [problem("E_ZIP_BOMB", reason=f"内部文件 {info.filename[:60]} 压缩比约 {ratio}:1")]
    bad = [
        i.filename
        for i in infos
        if i.filename.startswith(("/", "\\")) or ".." in i.filename.replace("\\", "/").split("/")
    ]
    if bad:
        return [problem("E_CORRUPT", reason=f"内部文件路径异常（{bad[0][:60]}）")]
    return []


def check_macros(names: list[str], content_types: bytes | None, ext: str) -> list[Problem]:
    reasons = []
    if ext in ("xlsm", "docm", "xltm", "dotm"):
        reasons.append(f"扩展名为 .{ext}")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        reasons.append("内含 vbaProject.bin")
    if content_types and b"macroenabled" in content_types.lower():
        reasons.append("内容类型声明为启用宏")
    return [problem("E_MACRO", reason="，".join(reasons))] if reasons else []


def scan_xml_part(name: str, data: bytes) -> tuple[list[Problem], list[str]]:
    """Parse one XML part with defusedxml; return problems and the cells holding formulas."""
    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        return [problem("E_XML_BOMB", reason=f"{name[:60]}：{type(exc).__name__}")], []
    except Exception as exc:  # noqa: BLE001 - any parse failure means a broken part
        return [problem("E_CORRUPT", reason=f"{name[:60]} 不是有效的 XML（{type(exc).__name__}）")], []
    cells: list[str] = []
    if name.startswith("xl/worksheets/"):
        for cell in root.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}c"):
            for child in cell:
                if child.tag.endswith("}f"):
                    cells.append(cell.get("r", "?"))
                    break
    return [], cells


def _zip_kind(path: Path, head: bytes) -> str:
    """For a misnamed file: an Office package's real kind from its directory alone, else unknown."""
    if not head.startswith(ZIP_MAGIC):
        return "unknown"
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return "unknown"
    return next((k for k, marker in KIND_MARKERS.items() if marker in names), "unknown")


def inspect_package(path: Path, ext: str, expected_kinds: list[str], max_bytes: int) -> PackageReport:
    report = PackageReport()
    size = path.stat().st_size
    report.problems += check_size(size, max_bytes)
    if report.problems:
        return report
    with path.open("rb") as fh:
        head = fh.read(8)

    def wrong_type(reason: str, actual: str) -> PackageReport:
        report.file_type = (reason, actual)
        report.problems.append(file_type_problem(reason, actual, expected_kinds))
        return report

    if ext == "pdf":
        if not head.startswith(PDF_MAGIC):
            actual = "legacy" if head.startswith(OLE_MAGIC) else _zip_kind(path, head)
            return wrong_type("扩展名为 .pdf，但内容不是 PDF", actual)
        return report
    if head.startswith(OLE_MAGIC):
        return wrong_type("这是旧版 Office 格式（.xls/.doc）或加密文件", "legacy")
    if not head.startswith(ZIP_MAGIC):
        actual = "pdf" if head.startswith(PDF_MAGIC) else "unknown"
        return wrong_type(f"扩展名为 .{ext}，但内容不是 Office 文档", actual)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            report.problems += check_zip_directory(infos)
            if report.problems:
                return report
            names = [i.filename for i in infos]
            content_types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else None
            report.problems += check_macros(names, content_types, ext)
            if report.problems:
                return report
            kind = next((k for k, marker in KIND_MARKERS.items() if marker in names), None)
            if kind is None or content_types is None:
                report.problems.append(problem("E_CORRUPT", reason="缺少 Office 文档的必要组成部分"))
                return report
            if kind != ext or kind not in expected_kinds:
                return wrong_type(f"文件实际是{KIND_LABEL[kind]}，扩展名为 .{ext}", kind)
            for info in infos:
                if not (info.filename.endswith(".xml") or info.filename.endswith(".rels")):
                    continue
                if info.file_size > MAX_XML_PART:
                    report.problems.append(problem("E_ZIP_BOMB", reason=f"{info.filename[:60]} 过大"))
                    return report
                problems, cells = scan_xml_part(info.filename, zf.read(info))
                if problems:
                    report.problems += problems
                    return report
                report.formula_cells += cells
    except zipfile.BadZipFile as exc:
        report.problems.append(problem("E_CORRUPT", reason=f"压缩结构不完整（{exc}）"))
        return report
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        # RuntimeError: encrypted members; NotImplementedError: unsupported compression.
        report.problems.append(problem("E_CORRUPT", reason=f"{type(exc).__name__}"))
        return report
    if report.formula_cells:
        shown = "、".join(report.formula_cells[:10]) + ("等" if len(report.formula_cells) > 10 else "")
        report.problems.append(problem("E_FORMULA", cells=f"单元格 {shown}，共 {len(report.formula_cells)} 处"))
    return report
