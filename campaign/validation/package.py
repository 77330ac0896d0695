"""Safety checks on the file itself, before any parser sees it.

Office files are zip packages of XML parts. Every check here reads only the zip directory and the XML
parts through defusedxml, with hard limits, so a hostile file costs bounded time and memory:
size, non-zip or truncated files, zip bombs (declared sizes and ratios), macros, XML bombs
(entity definitions / DTDs), and formulas (never evaluated; their presence is reported).
"""

from __future__ import annotations

import zipfile
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

    @property
    def ok(self) -> bool:
        return not self.problems


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


def inspect_package(path: Path, ext: str, expected_kinds: list[str], max_bytes: int) -> PackageReport:
    report = PackageReport()
    size = path.stat().st_size
    report.problems += check_size(size, max_bytes)
    if report.problems:
        return report
    with path.open("rb") as fh:
        head = fh.read(8)
    expected = "、".join(KIND_LABEL.get(k, k) for k in expected_kinds)
    if ext == "pdf":
        if not head.startswith(PDF_MAGIC):
            report.problems.append(problem("E_FILE_TYPE", reason="扩展名为 .pdf，但内容不是 PDF", expected=expected))
        return report
    if head.startswith(OLE_MAGIC):
        report.problems.append(
            problem("E_FILE_TYPE", reason="这是旧版 Office 格式（.xls/.doc）或加密文件", expected=expected)
        )
        return report
    if not head.startswith(ZIP_MAGIC):
        report.problems.append(
            problem("E_FILE_TYPE", reason=f"扩展名为 .{ext}，但内容不是 Office 文档", expected=expected)
        )
        return report
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
                report.problems.append(
                    problem("E_FILE_TYPE", reason=f"文件实际是{KIND_LABEL[kind]}，扩展名为 .{ext}", expected=expected)
                )
                return report
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
