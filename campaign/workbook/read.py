"""Read a returned workbook into plain rows and its metadata. Formulas are never evaluated.

Two readers give the same `RawWorkbook`; `read_workbook` uses the faster one as measured in
bench/intake_bench.py (see bench/RESULTS.md). Formula cells are found beforehand from the sheet XML
(campaign/validation/package.py), so neither reader needs to report them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from campaign.workbook import schema as s
from campaign.workbook.self_review import SHEET_TITLE as SELF_REVIEW_SHEET

MAX_ROWS_READ = 5_000  # a hostile sheet with a million rows must not cost a million iterations
MAX_COLS_READ = 40


@dataclass(frozen=True)
class RawWorkbook:
    rows: list[list[object]]  # the 目标任务清单 sheet (else the first one), values only (None for empty), row 1 first
    meta: dict[str, str] | None  # None when the file has no metadata sheet
    self_review: list[list[object]] | None = None  # the 自评 sheet's rows, None when the file has none


def _clean(value: object) -> object:
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        return value
    return value


def _meta_from_rows(rows) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in rows:
        if len(row) >= 2 and row[0] not in (None, ""):
            meta[str(row[0]).strip()] = "" if row[1] is None else str(row[1]).strip()
    return meta


def read_with_calamine(path: Path) -> RawWorkbook:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    names = wb.sheet_names
    main = s.SHEET_TITLE if s.SHEET_TITLE in names else next((n for n in names if n != s.META_SHEET), None)
    rows: list[list[object]] = []
    if main is not None:
        data = wb.get_sheet_by_name(main).to_python(skip_empty_area=False, nrows=MAX_ROWS_READ)
        rows = [[_clean(v) for v in r[:MAX_COLS_READ]] for r in data]
    meta = None
    if s.META_SHEET in names:
        meta = _meta_from_rows(wb.get_sheet_by_name(s.META_SHEET).to_python(skip_empty_area=False, nrows=50))
    review = None
    if SELF_REVIEW_SHEET in names:
        data = wb.get_sheet_by_name(SELF_REVIEW_SHEET).to_python(skip_empty_area=False, nrows=20)
        review = [[_clean(v) for v in r[:4]] for r in data]
    return RawWorkbook(rows, meta, review)


def read_with_openpyxl(path: Path) -> RawWorkbook:
    from openpyxl import load_workbook

    # data_only=False: a formula would come back as its text, never as a (possibly forged) cached result.
    wb = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        main = (
            wb[s.SHEET_TITLE]
            if s.SHEET_TITLE in wb.sheetnames
            else next((ws for ws in wb.worksheets if ws.title != s.META_SHEET), None)
        )
        rows: list[list[object]] = []
        if main is not None:
            for r in main.iter_rows(max_row=MAX_ROWS_READ, max_col=MAX_COLS_READ, values_only=True):
                rows.append([_clean(v) for v in r])
        meta = None
        if s.META_SHEET in wb.sheetnames:
            meta = _meta_from_rows(wb[s.META_SHEET].iter_rows(max_row=50, max_col=2, values_only=True))
        review = None
        if SELF_REVIEW_SHEET in wb.sheetnames:
            sheet = wb[SELF_REVIEW_SHEET].iter_rows(max_row=20, max_col=4, values_only=True)
            review = [[_clean(v) for v in r] for r in sheet]
    finally:
        wb.close()
    return RawWorkbook(rows, meta, review)


READERS = {"calamine": read_with_calamine, "openpyxl": read_with_openpyxl}
DEFAULT_READER = "calamine"


def read_workbook(path: Path, reader: str = DEFAULT_READER) -> RawWorkbook:
    return READERS[reader](path)
