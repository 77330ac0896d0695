"""Examine one received file: name, safety, identity, template version, content rules. No database.

The order matters: nothing parses a file before the package checks (size, zip/XML bombs, macros,
embedded objects, external links) have passed, and a file that fails them is never opened by a reader.
A workbook's hidden metadata is believed only when its signature checks (campaign/validation/meta.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from campaign.config.model import CampaignConfig, Deliverable, DeliverableKind
from campaign.config.settings import server_secret
from campaign.documents.schema import ATTACHMENT1_LABEL, TEMPLATE_VERSIONS
from campaign.intake.identify import Identity, identify
from campaign.intake.store import sha256_of
from campaign.validation import documents as doc_rules
from campaign.validation.filename import ALLOWED_EXTENSIONS, check_filename, extension
from campaign.validation.meta import check_meta, check_meta_signature
from campaign.validation.package import file_type_problem, inspect_package
from campaign.validation.problems import Problem, problem
from campaign.validation.self_review import check_self_review
from campaign.validation.task_list import TaskItem, validate_task_list
from campaign.workbook import progress as progress_wb
from campaign.workbook import schema as wb_schema
from campaign.workbook.read import DEFAULT_READER, read_workbook

# Extension -> the package kind it must contain (macro/legacy variants are caught by their own rule).
PACKAGE_KIND = {
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "docx": "docx",
    "docm": "docx",
    "pdf": "pdf",
    "xls": "xlsx",
    "doc": "docx",
}
TEMPLATE_VERSION_OF = {
    wb_schema.TEMPLATE_ID: wb_schema.TEMPLATE_VERSION,
    progress_wb.TEMPLATE_ID: progress_wb.TEMPLATE_VERSION,
    **TEMPLATE_VERSIONS,
}


@dataclass
class Examination:
    name: str
    size: int
    sha256: str
    identity: Identity = field(default_factory=lambda: Identity(None, None, "none"))
    problems: list[Problem] = field(default_factory=list)
    items: list[TaskItem] = field(default_factory=list)
    progress: progress_wb.ProgressReport | None = None  # rows are matched to the filed list in intake.core
    details: dict = field(default_factory=dict)  # what else the file says as data (自评), kept on the submission

    @property
    def accepted(self) -> bool:
        return not self.problems


def examine(
    path: Path,
    config: CampaignConfig,
    max_bytes: int,
    claim: tuple[str, str] | None = None,
    reader: str = DEFAULT_READER,
) -> Examination:
    name = path.name
    if path.is_symlink() or not path.is_file():
        # Never follow a link out of the inbox; the key hashes the name since there is no content to hash.
        exam = Examination(name, 0, hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest())
        link = file_type_problem("不是普通文件（可能是快捷方式或链接）", "link", list(ALLOWED_EXTENSIONS))
        exam.problems.append(link)
        exam.identity, _ = identify(config, None, name, claim)
        return exam
    exam = Examination(name, path.stat().st_size, sha256_of(path))
    exam.problems += check_filename(name)
    ext = extension(name)
    kind = PACKAGE_KIND.get(ext)
    content = None
    wrong_type: tuple[str, str] | None = None
    if kind is not None:
        report = inspect_package(path, ext, [kind], max_bytes)
        wrong_type = report.file_type
        exam.problems += report.problems
        # Formulas make a file untrusted, not unsafe: it is still read to learn who sent it.
        if all(p.code == "E_FORMULA" for p in report.problems):
            content = _read(path, kind, reader, exam)
    elif exam.size > max_bytes:
        exam.problems += inspect_package(path, ext, [], max_bytes).problems
    meta = getattr(content, "meta", None)
    if kind == "xlsx" and meta is not None:
        forged = check_meta_signature(meta, server_secret())
        if forged:
            exam.problems += forged
            if claim is None:
                # A forged identity names nobody: the rejection goes to SASAC and no enterprise's record is touched.
                return exam
            meta = None  # the portal's session says who sent it; the edited sheet says nothing
    exam.identity, id_problems = identify(config, meta, name, claim)
    exam.problems += id_problems
    deliverable_id = exam.identity.deliverable
    known = deliverable_id is not None and exam.identity.enterprise is not None
    if wrong_type is not None:
        # the package check only knew the extension; the advice depends on what this deliverable accepts
        reason, actual = wrong_type
        allowed: list[str] = (
            list(config.deliverable(deliverable_id).file_kinds)
            if deliverable_id and known
            else list(ALLOWED_EXTENSIONS)
        )
        example = f"{exam.identity.enterprise}_{exam.identity.deliverable}.{actual}" if known else None
        exam.problems = [
            file_type_problem(reason, actual, allowed, example) if p.code == "E_FILE_TYPE" else p for p in exam.problems
        ]
    if not known or deliverable_id is None:
        return exam
    deliverable = config.deliverable(deliverable_id)
    if (
        kind is not None
        and ext in PACKAGE_KIND
        and PACKAGE_KIND[ext] not in deliverable.file_kinds
        and not _has(exam, "E_FILE_TYPE", "E_MACRO")
    ):
        reason = f"“{deliverable.title}”不接收 .{ext} 文件"
        exam.problems.append(file_type_problem(reason, kind, list(deliverable.file_kinds)))
        return exam
    if content is None or _has(exam, "E_FORMULA"):
        return exam  # content rules would only repeat the formula cells as unreadable values
    expected_version = TEMPLATE_VERSION_OF.get(deliverable.template or "")
    if expected_version and kind == "xlsx" and meta is None and not _has(exam, "E_META_SIGNATURE"):
        # Without the signed sheet a workbook is anyone's: DDK002 could file for DDK001 by deleting _meta.
        exam.problems.append(problem("E_META_SIGNATURE", reason="缺少模板中的隐藏信息，不是用区国资委下发的模板填写的"))
    if expected_version:
        exam.problems += check_meta(meta, expected_version, None)
    exam.problems += _content_rules(content, deliverable, config, exam)
    return exam


def _has(exam: Examination, *codes: str) -> bool:
    return any(p.code in codes for p in exam.problems)


def _read(path: Path, kind: str, reader: str, exam: Examination):
    try:
        if kind == "xlsx":
            return read_workbook(path, reader)
        if kind == "docx":
            from campaign.documents.read import read_document

            return read_document(path)
    except Exception as exc:  # noqa: BLE001 - whatever a broken file raises, it is the sender's problem
        exam.problems.append(problem("E_CORRUPT", reason=f"读取失败（{type(exc).__name__}）"))
    return None


def _self_review(content, exam: Examination) -> list[Problem]:
    review, problems = check_self_review(getattr(content, "self_review", None))
    if review is not None:
        exam.details["self_review"] = review.as_dict()
    return problems


def _content_rules(content, deliverable: Deliverable, config: CampaignConfig, exam: Examination) -> list[Problem]:
    template = deliverable.template
    if template == wb_schema.TEMPLATE_ID and hasattr(content, "rows"):
        completion = deliverable.kind in (DeliverableKind.COMPLETION, DeliverableKind.COMPLETION_FINAL)
        exam.items, problems = validate_task_list(
            content.rows, config.benchmark_dimensions, config.core_indicators, completion
        )
        if completion:
            problems += _self_review(content, exam)
        return problems
    if template == progress_wb.TEMPLATE_ID and hasattr(content, "rows"):
        exam.progress, problems = progress_wb.validate_progress(content.rows, planned=None)
        return problems + _self_review(content, exam)
    if template in ("attachment1-targets", "deployment-report") and hasattr(content, "paragraphs"):
        paragraphs = content.paragraphs
        title = next((p.strip() for p in paragraphs if p.strip() and p.strip() != ATTACHMENT1_LABEL), None)
        if title and not title.endswith(("目标任务", "情况报告")):
            title = None
        problems = doc_rules.check_not_blank(paragraphs, title)
        if template == "attachment1-targets":
            problems += doc_rules.check_sections(paragraphs)
            choice, found = doc_rules.benchmark_choice(paragraphs)
            problems += found
            if choice is not None:
                exam.details["benchmarks"] = choice.as_dict()
            units, found = doc_rules.chuangbiao_units(paragraphs)
            problems += found
            if units is not None:
                exam.details["chuangbiao"] = [u.as_dict() for u in units]
        if deliverable.char_limit:
            what = "目标任务" if template == "attachment1-targets" else "部署推动情况报告"
            uncounted = getattr(content, "unkept_chars", 0)
            problems += doc_rules.check_char_limit(paragraphs, deliverable.char_limit, what, title, uncounted)
        return problems
    return []
