"""Safety checks on the file itself, before any parser sees it.

Office files are zip packages of XML parts. Nothing here trusts the zip directory or the part names:

- every member is inflated by our own loop under a running byte budget (per member and for the whole
  package), so a directory that lies about sizes costs at most the budget, never what the deflate
  stream would expand to; the inflated size and CRC must then equal what the directory declared,
  so the reader that runs afterwards (calamine, which trusts the directory) sees only honest members;
- every member is classified by its content, not its name: XML is streamed through expat with no DTD
  and no entities allowed (no DOM is built, memory stays constant whatever the size), anything else
  is binary and is refused when it is an OLE compound file (a VBA project or an embedded object,
  whatever it is called);
- what an XML part *is* comes from its root element: a worksheet (its formula cells are reported),
  an Excel 4.0 macro sheet, an external workbook link, a relationships part (external targets are
  refused, except ordinary web and mail hyperlinks), the content-type list (macro-enabled or VBA
  content types are refused).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NoReturn
from xml.parsers import expat

from campaign.validation.problems import Problem, problem

MAX_MEMBERS = 2_000
# Running budgets on bytes actually inflated (the directory's figures are checked too, but only as a
# cheap early refusal). A filled template inflates to well under 1 MB; these leave room for pictures.
MAX_TOTAL_UNCOMPRESSED = 120 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 80 * 1024 * 1024
MAX_RATIO = 200  # real xlsx/docx parts compress ~5-20x; bombs compress 1000x+
RATIO_APPLIES_ABOVE = 1024 * 1024
MAX_XML_PART = 50 * 1024 * 1024
CHUNK = 64 * 1024
MAX_FORMULA_CELLS_KEPT = 50  # a sheet of a million formulas is counted, not listed

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls/.doc, and any OLE compound file inside a zip
PDF_MAGIC = b"%PDF-"
VBA_MARKER = "_VBA_PROJECT".encode("utf-16-le")  # the stream every VBA project's compound file holds
# A formula element with any prefix; in text a "<" is always escaped, so this only matches markup (or CDATA).
FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")

KIND_MARKERS = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
KIND_LABEL = {"xlsx": "Excel 工作簿（.xlsx）", "docx": "Word 文档（.docx）", "pdf": "PDF 文件（.pdf）"}

SSML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
HYPERLINK_TYPE = "/hyperlink"
SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")


@dataclass
class PackageReport:
    problems: list[Problem] = field(default_factory=list)
    formula_cells: list[str] = field(default_factory=list)
    formula_count: int = 0
    # (reason, what the file really is) when its type is wrong, so the advice can be redone once the
    # deliverable (and so the kinds it accepts) is known: xlsx | docx | pdf | legacy | unknown
    file_type: tuple[str, str] | None = None
    inflated_bytes: int = 0  # what the scan actually inflated (bench and tests read it)


class Refused(Exception):
    """Stops the scan at the first problem that makes the rest of the package not worth reading."""

    def __init__(self, found: Problem):
        super().__init__(found.message)
        self.problem = found


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


def _short(name: str) -> str:
    return name[:60]


def check_zip_directory(infos: list[zipfile.ZipInfo]) -> list[Problem]:
    """Early refusals from what the central directory declares (nothing is decompressed). The directory
    may lie; `inflate` enforces the same limits on the bytes actually produced."""
    if len(infos) > MAX_MEMBERS:
        return [problem("E_ZIP_BOMB", reason=f"包含 {len(infos)} 个内部文件")]
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        return [problem("E_ZIP_BOMB", reason=f"解压后共 {total / 1048576:.0f} MB")]
    for info in infos:
        if info.file_size > MAX_MEMBER_UNCOMPRESSED:
            size = f"{info.file_size / 1048576:.0f} MB"
            return [problem("E_ZIP_BOMB", reason=f"内部文件 {_short(info.filename)} 解压后 {size}")]
        if info.file_size > RATIO_APPLIES_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return [problem("E_ZIP_BOMB", reason=f"内部文件 {_short(info.filename)} 压缩比约 {ratio}:1")]
    if any(not i.filename for i in infos):  # found by the fuzzer: zipfile itself fails on it (is_dir)
        return [problem("E_CORRUPT", reason="内部文件名为空")]
    bad = [
        i.filename
        for i in infos
        if i.filename.startswith(("/", "\\")) or ".." in i.filename.replace("\\", "/").split("/")
    ]
    if bad:
        return [problem("E_CORRUPT", reason=f"内部文件路径异常（{_short(bad[0])}）")]
    return []


def check_macros(names: list[str], ext: str) -> list[Problem]:
    """What the extension and the member names say; content (OLE files, content types) is checked by the scan."""
    reasons = []
    if ext in ("xlsm", "docm", "xltm", "dotm"):
        reasons.append(f"扩展名为 .{ext}")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        reasons.append("内含 vbaProject.bin")
    return [problem("E_MACRO", reason="，".join(reasons))] if reasons else []


# --- inflating under a budget -------------------------------------------------------------------------------


class Budget:
    """Bytes inflated so far for one package; refuses the package the moment a limit is passed."""

    def __init__(self, total: int = MAX_TOTAL_UNCOMPRESSED, member: int = MAX_MEMBER_UNCOMPRESSED):
        self.total_limit, self.member_limit = total, member
        self.spent = 0

    def spend(self, name: str, member_so_far: int, n: int) -> None:
        self.spent += n
        if member_so_far > self.member_limit:
            mb = self.member_limit // 1048576
            raise Refused(problem("E_ZIP_BOMB", reason=f"内部文件 {_short(name)} 解压后超过 {mb} MB"))
        if self.spent > self.total_limit:
            raise Refused(problem("E_ZIP_BOMB", reason=f"解压后超过 {self.total_limit // 1048576} MB"))


def _data_offset(fh: BinaryIO, info: zipfile.ZipInfo) -> int:
    fh.seek(info.header_offset)
    header = fh.read(30)
    if len(header) != 30 or header[:4] != ZIP_MAGIC:
        raise Refused(problem("E_CORRUPT", reason=f"内部文件 {_short(info.filename)} 的本地文件头缺失"))
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def inflate(fh: BinaryIO, info: zipfile.ZipInfo, budget: Budget) -> Iterator[bytes]:
    """The member's bytes in chunks, produced under `budget`; at the end the size and CRC must be the
    ones the directory declared (else the reader that follows would see something else)."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise Refused(problem("E_CORRUPT", reason=f"内部文件 {_short(name)} 已加密"))
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Refused(problem("E_CORRUPT", reason=f"内部文件 {_short(name)} 使用了不支持的压缩方式"))
    fh.seek(_data_offset(fh, info))
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    produced = crc = 0
    pending = b""  # compressed input not yet consumed because the output chunk was full
    while True:
        if not pending and left > 0:
            pending = fh.read(min(CHUNK, left))
            if not pending:
                raise Refused(problem("E_CORRUPT", reason=f"内部文件 {_short(name)} 不完整"))
            left -= len(pending)
        if inflater is None:
            out, pending = pending, b""
        else:
            try:
                out = inflater.decompress(pending, CHUNK)  # never more than CHUNK bytes per step
            except zlib.error as exc:
                raise Refused(problem("E_CORRUPT", reason=f"内部文件 {_short(name)} 解压失败")) from exc
            pending = inflater.unconsumed_tail
        if out:
            produced += len(out)
            if produced > info.file_size:  # the directory lied: stop here, not at whatever the stream expands to
                declared = f"压缩目录声明的 {info.file_size} 字节"
                raise Refused(problem("E_ZIP_BOMB", reason=f"内部文件 {_short(name)} 解压后超过{declared}"))
            budget.spend(name, produced, len(out))
            crc = zlib.crc32(out, crc)
            yield out
        finished = inflater.eof if inflater is not None else left == 0 and not pending
        if finished or (not out and not pending and left == 0):
            break
    if produced != info.file_size or (inflater is not None and not inflater.eof) or crc != info.CRC:
        raise Refused(
            problem("E_ZIP_BOMB", reason=f"内部文件 {_short(name)} 实际解压结果与压缩目录声明的大小或校验值不符")
        )


# --- what each part is, from its content --------------------------------------------------------------------


class PartScan:
    """One member, classified by its first bytes: XML is streamed through expat (no DTD, no entities),
    an OLE compound file is refused, any other binary (pictures) is only counted against the budget."""

    def __init__(self, name: str, report: PackageReport, cells: bool = False):
        self.name = name
        self.report = report
        self.kind: str | None = None  # xml | compound | binary, decided by the first chunk
        self.cells = cells  # report formula cells one by one (the second pass over a sheet that has formulas)
        self.worksheet = False
        self.formula_seen = False
        self.cell: str | None = None
        self.tail = b""
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._refuse_dtd
        self.parser.EntityDeclHandler = self._refuse_dtd
        self.parser.ExternalEntityRefHandler = self._refuse_dtd
        self.parser.StartElementHandler = self._root

    def _refuse_dtd(self, *_args) -> NoReturn:  # expat's handler types expect a value; this never returns one
        raise Refused(problem("E_XML_BOMB", reason=f"{_short(self.name)}：含有 DTD 或实体定义"))

    def _root(self, tag: str, attrs: dict[str, str]) -> None:
        """Keeps a Python handler only on the parts whose elements matter; the rest parse at C speed."""
        ns, _, local = tag.rpartition(" ")
        if local == "macrosheet":
            raise Refused(problem("E_MACRO", reason=f"内含 Excel 4.0 宏表（{_short(self.name)}）"))
        if ns == SSML and local == "externalLink":
            raise Refused(problem("E_EXTERNAL_LINK", reason=f"内含外部工作簿链接或 DDE 链接（{_short(self.name)}）"))
        handlers = {RELS: self._relationship, CONTENT_TYPES: self._content_type}
        handler = handlers.get(ns)
        if ns == SSML and local in ("worksheet", "dialogsheet"):
            # A Python call per element would cost more than the rest of intake: sheets parse at C speed
            # while their raw bytes are searched for a formula tag; only a sheet that has one is read again
            # with a handler, to name its cells (see scan_member).
            self.worksheet = True
            handler = self._cell if self.cells else None
        self.parser.StartElementHandler = handler

    def _cell(self, tag: str, attrs: dict[str, str]) -> None:
        # In a worksheet, <f> occurs only inside <c>: the last <c> seen is the formula's cell.
        if tag == SSML + " c":
            self.cell = attrs.get("r", "?")
        elif tag == SSML + " f" and self.cell is not None:
            self.report.formula_count += 1
            if len(self.report.formula_cells) < MAX_FORMULA_CELLS_KEPT:
                self.report.formula_cells.append(self.cell)
            self.cell = None  # one cell, one formula

    def _relationship(self, tag: str, attrs: dict[str, str]) -> None:
        if attrs.get("TargetMode", "").lower() != "external":
            return
        target = attrs.get("Target", "").strip()
        kind = attrs.get("Type", "").rsplit("/", 1)[-1]
        if kind == "hyperlink" and target.lower().startswith(SAFE_LINK_SCHEMES):
            return  # an ordinary web or mail hyperlink opens only when clicked, and only in a browser
        what = {
            "attachedTemplate": "远程模板",
            "hyperlink": "指向本地或共享文件夹的链接",
            "externalLinkPath": "外部工作簿",
            "oleObject": "链接的对象",
            "image": "链接的图片",
            "frame": "外部框架",
            "subDocument": "外部子文档",
        }.get(kind, "外部关系")
        where = "共享文件夹 " if target.startswith(("\\\\", "//", "file:")) else ""
        raise Refused(problem("E_EXTERNAL_LINK", reason=f"{what}：{where}{target[:80]}"))

    def _content_type(self, tag: str, attrs: dict[str, str]) -> None:
        declared = attrs.get("ContentType", "").lower()
        if "vbaproject" in declared or "macroenabled" in declared:
            part = attrs.get("PartName") or "*." + attrs.get("Extension", "")
            raise Refused(problem("E_MACRO", reason=f"内容类型声明 {_short(part)} 为宏"))

    def feed(self, chunk: bytes) -> None:
        if self.kind is None:
            if chunk.startswith(OLE_MAGIC):
                self.kind = "compound"
            elif chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                self.kind = "xml"
            else:
                self.kind = "binary"
        if self.kind == "xml":
            self._parse(chunk, False)
            if self.worksheet and not self.formula_seen:
                self.formula_seen = FORMULA_TAG.search(self.tail + chunk) is not None
                self.tail = chunk[-32:]
        elif self.kind == "compound":
            data = self.tail + chunk
            if VBA_MARKER in data:
                raise Refused(problem("E_MACRO", reason=f"内部文件 {_short(self.name)} 是 VBA 宏工程"))
            self.tail = data[-len(VBA_MARKER) :]

    def _parse(self, chunk: bytes, last: bool) -> None:
        try:
            self.parser.Parse(chunk, last)
        except expat.ExpatError as exc:
            raise Refused(problem("E_CORRUPT", reason=f"{_short(self.name)} 不是有效的 XML（{exc}）")) from exc

    def close(self) -> None:
        if self.kind == "compound":
            # Not VBA: an embedded OLE object (a packaged program, an old-format document) all the same.
            raise Refused(problem("E_EMBEDDED", reason=f"内部文件 {_short(self.name)} 是 OLE 复合文档"))
        if self.kind == "xml":
            self._parse(b"", True)


def scan_member(chunks: Iterator[bytes], name: str, report: PackageReport, cells: bool = False) -> bool:
    """True when the member is a worksheet whose bytes hold a formula tag: scan it again with `cells`."""
    part = PartScan(name, report, cells)
    for chunk in chunks:
        part.feed(chunk)
    part.close()
    return part.formula_seen and not cells


def scan_xml_part(name: str, data: bytes) -> tuple[list[Problem], list[str]]:
    """One part's problems and formula cells (the unit tests' entry; intake streams through scan_member)."""
    report = PackageReport()
    try:
        chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
        if scan_member(iter(chunks), name, report):
            scan_member(iter(chunks), name, report, cells=True)
    except Refused as refused:
        return [refused.problem], []
    return [], report.formula_cells


# --- the whole file -----------------------------------------------------------------------------------------


def _zip_kind(path: Path, head: bytes) -> str:
    """For a misnamed file: an Office package's real kind from its directory alone, else unknown."""
    if not head.startswith(ZIP_MAGIC):
        return "unknown"
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
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
        with path.open("rb") as fh, zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            report.problems += check_zip_directory(infos)
            if report.problems:
                return report
            names = [i.filename for i in infos]
            report.problems += check_macros(names, ext)
            if report.problems:
                return report
            kind = next((k for k, marker in KIND_MARKERS.items() if marker in names), None)
            if kind is None or "[Content_Types].xml" not in names:
                report.problems.append(problem("E_CORRUPT", reason="缺少 Office 文档的必要组成部分"))
                return report
            if kind != ext or kind not in expected_kinds:
                return wrong_type(f"文件实际是{KIND_LABEL[kind]}，扩展名为 .{ext}", kind)
            budget = Budget()
            for info in infos:
                if info.filename.endswith("/"):
                    continue  # a folder entry has no content
                if info.file_size > MAX_XML_PART and info.filename.endswith((".xml", ".rels")):
                    raise Refused(problem("E_ZIP_BOMB", reason=f"{_short(info.filename)} 过大"))
                if scan_member(inflate(fh, info, budget), info.filename, report):
                    scan_member(inflate(fh, info, budget), info.filename, report, cells=True)
            report.inflated_bytes = budget.spent
    except Refused as refused:
        report.problems.append(refused.problem)
        return report
    except zipfile.BadZipFile as exc:
        report.problems.append(problem("E_CORRUPT", reason=f"压缩结构不完整（{exc}）"))
        return report
    except (OSError, EOFError, ValueError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        report.problems.append(problem("E_CORRUPT", reason=f"{type(exc).__name__}"))
        return report
    if report.formula_count:
        shown = "、".join(report.formula_cells[:10]) + ("等" if report.formula_count > 10 else "")
        report.problems.append(problem("E_FORMULA", cells=f"单元格 {shown}，共 {report.formula_count} 处"))
    return report
