"""Rules for the Word deliverables: required sections of Attachment 1, the 字数 limits."""

from __future__ import annotations

import re
from collections.abc import Sequence

from campaign.documents import schema as d
from campaign.validation.chars import count_chars
from campaign.validation.problems import Problem, problem

_SPACES = re.compile(r"\s+")
_HALF_TO_FULL = str.maketrans("(),", "（），")
_LIMIT_NOTE = re.compile(r"^（不超过\d+字）$")


def _norm(text: str) -> str:
    return _SPACES.sub("", text).translate(_HALF_TO_FULL)


def check_sections(paragraphs: Sequence[str]) -> list[Problem]:
    """一、二、三 headings, and (一)…(八) under 三、对标任务. A heading is matched by its numbering and name."""
    texts = [_norm(p) for p in paragraphs]
    problems = []
    positions = {}
    for section in d.SECTIONS:
        at = next((i for i, t in enumerate(texts) if t.startswith(section)), None)
        positions[section] = at
        if at is None:
            problems.append(problem("E_SECTION_MISSING", section=section))
    after = positions[d.SECTIONS[-1]] or 0
    for sub in d.TASK_SUBSECTIONS:
        number = sub[:3]  # （一）
        if not any(t.startswith(number) for t in texts[after:]):
            problems.append(problem("E_SECTION_MISSING", section=f"三、对标任务 {sub}"))
    return problems


def counted_text(paragraphs: Sequence[str], title: str | None = None) -> str:
    """The text the limit applies to: everything but the document title and the 不超过N字 note."""
    kept = [p for p in paragraphs if not _LIMIT_NOTE.match(_norm(p)) and (title is None or _norm(p) != _norm(title))]
    return "\n".join(kept)


def check_char_limit(paragraphs: Sequence[str], limit: int, what: str, title: str | None = None) -> list[Problem]:
    count = count_chars(counted_text(paragraphs, title))
    return [problem("E_TOO_LONG", what=what, count=count, limit=limit)] if count > limit else []


def template_texts(title: str | None = None) -> list[str]:
    """Every paragraph the templates themselves contain (headings, guidance, title)."""
    texts = [*d.SECTIONS, *d.TASK_SUBSECTIONS, d.REPORT_GUIDANCE, *(g for gs in d.GUIDANCE.values() for g in gs)]
    return texts + ([title] if title else [])


def check_not_blank(paragraphs: Sequence[str], title: str | None = None) -> list[Problem]:
    """A document holding only the template's own headings and guidance was returned unfilled."""
    own = {_norm(t) for t in template_texts(title)}
    filled = any(_norm(p) and _norm(p) not in own and not _LIMIT_NOTE.match(_norm(p)) for p in paragraphs)
    return [] if filled else [problem("E_EMPTY_DOCUMENT")]
