"""The one way the system writes cells a person opens in a spreadsheet program.

Values often come from enterprises and are untrusted. A text cell starting with = + - @ (or a
tab/CR, which some spreadsheet programs skip before evaluating) would run as a formula (even DDE)
when a colleague or an enterprise opens the file: such text gets a leading single quote and stays
text. Numbers stay numbers. Every workbook the system writes, exports and templates alike, goes
through `safe_cell`; the hidden `_meta` sheet that lets a returned file identify itself is written
by `write_meta_sheet` only, signed with the server-side key (campaign/validation/meta.py).
Workbooks whose size grows with the number of enterprises (the scoring sheet, the linkage sheet) are
written in openpyxl's write-only mode, which streams rows to disk and keeps memory flat; their styled
cells come from `styled_cell`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.worksheet.worksheet import Worksheet

from campaign.config.settings import server_secret
from campaign.validation.meta import SIGNATURE_KEY, meta_signature

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
META_SHEET = "_meta"


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def append_safe(ws: Worksheet, values: Iterable[object]) -> None:
    ws.append([safe_cell(v) for v in values])


def write_cell(ws: Worksheet, row: int, column: int, value: object = None) -> Cell:
    """ws.cell(row, column, value) with the value made formula-safe."""
    cell: Any = ws.cell(row, column)
    cell.value = safe_cell(value)
    return cell


def styled_cell(
    ws: Worksheet,
    value: object,
    font: Font | None = None,
    fill: PatternFill | None = None,
    protection: Protection | None = None,
) -> WriteOnlyCell:
    """A formula-safe cell with a style, for rows appended to a write-only worksheet."""
    cell = WriteOnlyCell(ws, safe_cell(value))
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if protection is not None:
        cell.protection = protection
    return cell


def write_meta_sheet(wb: Workbook, pairs: Mapping[str, str]) -> None:
    """A very hidden (not listed under Excel's "Unhide"), protected sheet of key/value pairs, the last
    one their signature under the server-side key (intake refuses a file whose pairs do not match it).

    Appended row by row, so it works in write-only workbooks too."""
    meta = wb.create_sheet(META_SHEET)
    written = {str(key): str(safe_cell(value)) for key, value in pairs.items()}
    written[SIGNATURE_KEY] = meta_signature(written, server_secret())
    for key, value in written.items():
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
