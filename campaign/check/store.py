"""Gather both sides of each cross-check: the files people read (workbooks, the outbox) and the database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.assessment.outputs import assessment_dir
from campaign.check.rules import HALF_YEAR_WORDS, Disagreement, compare, half_year_word, score_statement
from campaign.config.model import CampaignConfig
from campaign.db import models as m
from campaign.final_review.outputs import out_dir as final_review_dir
from campaign.half_year.outputs import period_dir
from campaign.submissions.review import return_key
from campaign.submissions.status import campaign_status, timeliness_state


def check_all(
    session: Session, config: CampaignConfig, home: Path, as_of: datetime, outbox_name: Callable[[str], str]
) -> list[Disagreement]:
    """Every disagreement between what people were sent or can open and what the database records.

    `outbox_name` is the outbox channel's file-name rule for a message key (notifications.outbox)."""
    finalised = _final_results(session)  # both the 挂钩表 and the final review are read against it
    return [
        *_receipts(session, as_of),
        *_outbox(session, home, outbox_name),
        *_half_year(session, config, home, as_of),
        *_assessments(finalised, home),
        *_final_review(finalised, home),
    ]


def _receipts(session: Session, as_of: datetime) -> list[Disagreement]:
    """Who filed what: every version received is answered by its receipt (accepted) or rejection."""
    report: dict[str, str] = {}
    truth: dict[str, str] = {}
    rows = session.execute(
        select(
            m.Submission.status,
            m.Submission.version,
            m.Submission.content_hash,
            m.Submission.review,
            m.Submission.reviewed_at,
            m.Enterprise.code,
            m.Deliverable.code,
        )
        .join(m.Enterprise, m.Enterprise.id == m.Submission.enterprise_id)
        .join(m.Deliverable, m.Deliverable.id == m.Submission.deliverable_id)
        .where(m.Submission.received_at <= as_of)
    )
    for status, version, sha, review, reviewed_at, ent, dlv in rows:
        if review == "returned":
            # Accepted by intake (its receipt), then returned by the 备案 review (its own return message).
            truth[f"receipt:{ent}:{dlv}:v{version}"] = "已接收"
            if reviewed_at is not None and reviewed_at <= as_of:
                truth[return_key(ent, dlv, version)] = "已退回"
            continue
        key = f"receipt:{ent}:{dlv}:v{version}" if status == "accepted" else f"rejection:{ent}:{dlv}:{sha[:12]}"
        truth[key] = "已接收" if status == "accepted" else "已退回"
    notes = session.execute(
        select(m.Notification.key, m.Notification.kind).where(
            m.Notification.kind.in_(("receipt", "rejection")), m.Notification.created_at <= as_of
        )
    )
    for key, kind in notes:
        if key.split(":")[1] != "unknown":  # a file nobody could be identified from has no submission to answer
            report[key] = "已接收" if kind == "receipt" else "已退回"
    return compare("回执与退回通知", "通知记录（notification）", report, truth)


def _outbox(session: Session, home: Path, outbox_file_name: Callable[[str], str]) -> list[Disagreement]:
    """Every message recorded as sent through the outbox:// channel is a file there, with the same title."""
    sent = {
        key: title
        for key, title, channel in session.execute(
            select(m.Notification.key, m.Notification.title, m.Notification.channel).where(
                m.Notification.status == "sent"
            )
        )
        if "outbox" in (channel or "")
    }
    outbox = home / "outbox"
    report: dict[str, str] = {}
    for key in sent:
        path = outbox / outbox_file_name(key)
        if path.is_file():
            report[key] = json.loads(path.read_text(encoding="utf-8")).get("title", "")
    names = {outbox_file_name(k) for k in sent}
    for path in sorted(outbox.glob("*.json")) if outbox.is_dir() else []:
        if path.name not in names:
            record = json.loads(path.read_text(encoding="utf-8"))
            report[record.get("key", path.stem)] = record.get("title", "")
    return compare("消息发件箱", str(outbox), report, sent)


def _sheet_rows(path: Path, sheet: str, header_row: int = 1) -> Iterator[dict[str, object]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet]
        rows = ws.iter_rows(min_row=header_row, values_only=True)
        header = [str(h) if h is not None else "" for h in next(rows)]
        for values in rows:
            if not values or values[0] in (None, ""):
                break  # the table ends at its first blank row (totals and notes may follow)
            yield dict(zip(header, values, strict=False))
    finally:
        wb.close()


def _half_year(session: Session, config: CampaignConfig, home: Path, as_of: datetime) -> list[Disagreement]:
    """A half-year summary states each enterprise's filing as `campaign status` does at the same moment."""
    status = {
        (r.enterprise, r.deliverable): timeliness_state(r.status, r.on_time) for r in campaign_status(session, as_of)
    }
    found: list[Disagreement] = []
    for deliverable in (d for d in config.deliverables if d.kind == "progress"):
        path = period_dir(home, deliverable) / f"{deliverable.title}汇总.xlsx"
        if not path.is_file():
            continue
        report = {str(r["企业代码"]): half_year_word(r.get("报送情况")) for r in _sheet_rows(path, "报送情况")}
        # An enterprise excused (免报) from the report is not in the summary: it owed nothing.
        truth = {
            ent: HALF_YEAR_WORDS[state]
            for (ent, dlv), state in status.items()
            if dlv == deliverable.id and state != "waived"
        }
        found += compare("半年汇总", str(path), report, truth)
    return found


FinalResults = dict[int, dict[str, tuple[float | None, str | None, str]]]


def _final_results(session: Session) -> FinalResults:
    """year -> enterprise code -> (total, grade, rank) of every finalised assessment."""
    out: dict[int, dict[str, tuple[float | None, str | None, str]]] = {}
    rows = session.execute(
        select(m.Assessment.year, m.Enterprise.code, m.AssessmentResult)
        .join(m.AssessmentResult, m.AssessmentResult.assessment_id == m.Assessment.id)
        .join(m.Enterprise, m.Enterprise.id == m.AssessmentResult.enterprise_id)
        .where(m.Assessment.status == "final")
    )
    for year, code, result in rows:
        rank = f"{result.rank_in_category}/{result.category_size}"
        out.setdefault(year, {})[code] = (result.total, result.grade, rank)
    return out


def _assessments(finalised: FinalResults, home: Path) -> list[Disagreement]:
    """The 经营业绩考核挂钩表 of a finalised year shows each enterprise's total, rank and grade as stored."""
    found: list[Disagreement] = []
    for year, results in sorted(finalised.items()):
        path = assessment_dir(home, year) / f"{year}年度考核结果（经营业绩考核挂钩）.xlsx"
        truth = {code: f"{score_statement(total, grade)} 排名{rank}" for code, (total, grade, rank) in results.items()}
        if not path.is_file():
            found.append(Disagreement("考核挂钩表", str(path), f"{year}年度", "文件不存在", "已定稿"))
            continue
        report = {
            str(r["企业代码"]): f"{score_statement(r.get('总分'), r.get('等级'))} 排名{r.get('分类排名')}"
            for r in _sheet_rows(path, "经营业绩考核挂钩", header_row=3)
        }
        found += compare("考核挂钩表", str(path), report, truth)
    return found


def _final_review(results: FinalResults, home: Path) -> list[Disagreement]:
    """The final review's 企业汇总 shows each year's total and grade as the finalised assessment stored them."""
    directory = final_review_dir(home)
    books = sorted(directory.glob("*汇总表*.xlsx"), key=lambda p: p.stat().st_mtime) if directory.is_dir() else []
    if not books:
        return []
    path = books[-1]  # the newest version is the one people read
    rows = list(_sheet_rows(path, "企业汇总"))
    years = sorted({int(str(k)[:4]) for r in rows for k in r if str(k).endswith("年等级")})
    report: dict[str, str] = {}
    truth: dict[str, str] = {}
    for r in rows:
        code = str(r["企业代码"])
        for y in years:
            total, grade = r.get(f"{y}年考核总分"), r.get(f"{y}年等级")
            if total is not None or grade is not None:
                report[f"{code} {y}年"] = score_statement(total, grade)
            if code in results.get(y, {}):
                stored_total, stored_grade, _ = results[y][code]
                truth[f"{code} {y}年"] = score_statement(stored_total, stored_grade)
    return compare("总结评估", str(path), report, truth)
