"""自评 rules: the sheet is there and each of its three answers says something."""

from __future__ import annotations

from collections.abc import Sequence

from campaign.validation.problems import Problem, problem
from campaign.workbook.self_review import QUESTIONS, SHEET_TITLE, SelfReview, answers

# Answers that say nothing.
_BARE = {"无", "暂无", "没有", "略", "/", "／", "—", "-", "——", "见上", "同上"}


def check_self_review(rows: Sequence[Sequence[object]] | None) -> tuple[SelfReview | None, list[Problem]]:
    if rows is None:
        return None, [problem("E_SELF_REVIEW_MISSING", sheet=SHEET_TITLE)]
    found = answers(rows)
    empty = [QUESTIONS[k] for k, v in found.items() if not v or v.rstrip("。.；;") in _BARE]
    if empty:
        return None, [problem("E_SELF_REVIEW_EMPTY", items="、".join(f"“{q}”" for q in empty))]
    return SelfReview(**{k: v or "" for k, v in found.items()}), []
