"""Do the outputs agree? Pure comparisons of what a report, the outbox or a workbook says with what the
database says. Each side is a plain mapping subject -> statement; every difference is one Disagreement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MISSING = "（没有）"


@dataclass(frozen=True)
class Disagreement:
    area: str  # 报送状态 / 回执与退回通知 / 消息发件箱 / 半年汇总 / 考核挂钩表 / 总结评估
    source: str  # the file or table that disagrees, as a person finds it
    subject: str  # whom or what: an enterprise code, a message key
    report_says: str
    database_says: str

    def line(self) -> str:
        return (
            f"[{self.area}] {self.source}｜{self.subject}：报告为“{self.report_says}”，数据库为“{self.database_says}”"
        )


def compare(area: str, source: str, report: Mapping[str, str], truth: Mapping[str, str]) -> list[Disagreement]:
    """Every subject on either side whose statements differ, or that one side lacks, in subject order."""
    return [
        Disagreement(area, source, subject, report.get(subject, MISSING), truth.get(subject, MISSING))
        for subject in sorted(set(report) | set(truth))
        if report.get(subject, MISSING) != truth.get(subject, MISSING)
    ]


# How a half-year summary states what `campaign status` calls accepted / late / rejected / missing.
HALF_YEAR_WORDS = {"accepted": "按时报送", "late": "逾期报送", "rejected": "被退回未重报", "missing": "未报送"}


def half_year_word(cell: object) -> str:
    """The state word of a summary's 报送情况 cell ("逾期报送（2023年7月20日接收）" -> "逾期报送")."""
    return str(cell or "").split("（", 1)[0].strip()


def score_statement(total: object, grade: object) -> str:
    """One score as every output prints it: the total to two decimals and the grade."""
    shown = "—" if total is None or total == "" else f"{float(str(total)):.2f}"
    return f"{shown} {grade or '—'}"
