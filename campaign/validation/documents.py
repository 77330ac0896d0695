"""Rules for the Word deliverables: required sections of Attachment 1, the 字数 limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from campaign.documents import schema as d
from campaign.validation.chars import count_chars
from campaign.validation.problems import Problem, problem

_SPACES = re.compile(r"\s+")
_HALF_TO_FULL = str.maketrans("(),", "（），")
_LIMIT_NOTE = re.compile(r"^（不超过\d+字）$")


def _norm(text: str) -> str:
    return _SPACES.sub("", text).translate(_HALF_TO_FULL)


def _headings(texts: list[str]) -> dict[str, int]:
    """Where each required heading stands: 一、二、三 by numbering and name, (一)…(八) by numbering after 三."""
    positions: dict[str, int] = {}
    for section in d.SECTIONS:
        at = next((i for i, t in enumerate(texts) if t.startswith(section)), None)
        if at is not None:
            positions[section] = at
    after = positions.get(d.SECTIONS[-1], 0)
    for sub in d.TASK_SUBSECTIONS:
        number = sub[:3]  # （一）
        at = next((i for i, t in enumerate(texts[after:], after) if t.startswith(number)), None)
        if at is not None:
            positions[f"三、对标任务 {sub}"] = at
    return positions


# A dimension that does not apply says so with its reason; these alone say nothing.
_BARE = {"无", "暂无", "不适用", "不涉及", "略", "/", "／", "—", "-", "——"}
_TRAILING = "。.;；:：，, "


def section_texts(paragraphs: Sequence[str]) -> dict[str, list[str]]:
    """Each required section present -> the enterprise's own paragraphs under it, in order (the template's headings,
    guidance and 不超过N字 note left out). 三、对标任务 itself holds only its eight sub-headings."""
    texts = [_norm(p) for p in paragraphs]
    positions = _headings(texts)
    starts = sorted(positions.values())
    own = {_norm(t) for t in template_texts()}
    out: dict[str, list[str]] = {}
    for name, at in positions.items():
        end = next((i for i in starts if i > at), len(texts))
        heading = _norm(name.split(" ")[-1])
        inline = texts[at][len(heading) :] if texts[at].startswith(heading) else ""  # 一、对标对象：……
        body = [inline.lstrip(_TRAILING), *texts[at + 1 : end]]
        out[name] = [t for t in body if t and t not in own and not _LIMIT_NOTE.match(t)]
    out[d.SECTIONS[-1]] = []  # its content is the eight dimensions, checked one by one
    return out


def check_sections(paragraphs: Sequence[str]) -> list[Problem]:
    """一、二、三 headings and (一)…(八) under 三、对标任务, each carrying the enterprise's own text: 一、二 always; a
    dimension may instead state that it does not apply, with the reason (a bare “不适用”/“无” is not enough).
    A document with no own text at all is E_EMPTY_DOCUMENT (check_not_blank), not ten empty sections."""
    texts = [_norm(p) for p in paragraphs]
    positions = _headings(texts)
    problems = [
        problem("E_SECTION_MISSING", section=name)
        for name in (*d.SECTIONS, *(f"三、对标任务 {sub}" for sub in d.TASK_SUBSECTIONS))
        if name not in positions
    ]
    sections = section_texts(paragraphs)
    if not any(sections.values()):
        return problems
    for name, own in sections.items():
        if name == d.SECTIONS[-1]:
            continue
        said = [t.rstrip(_TRAILING) for t in own]
        if not said:
            problems.append(problem("E_SECTION_EMPTY", section=name))
        elif all(t in _BARE for t in said):
            code = "E_SECTION_NO_REASON" if name.startswith("三、") else "E_SECTION_EMPTY"
            problems.append(problem(code, section=name))
    return problems


def counted_text(paragraphs: Sequence[str], title: str | None = None) -> str:
    """The text the limit applies to: everything but the 附件1 label, the document title and the 不超过N字 note."""
    skipped = {d.ATTACHMENT1_LABEL} | ({_norm(title)} if title else set())
    kept = [p for p in paragraphs if not _LIMIT_NOTE.match(_norm(p)) and _norm(p) not in skipped]
    return "\n".join(kept)


def check_char_limit(
    paragraphs: Sequence[str], limit: int, what: str, title: str | None = None, uncounted: int = 0
) -> list[Problem]:
    """`uncounted`: characters the reader counted but did not keep (a document far beyond any limit)."""
    count = count_chars(counted_text(paragraphs, title)) + uncounted
    return [problem("E_TOO_LONG", what=what, count=count, limit=limit)] if count > limit else []


def template_texts(title: str | None = None) -> list[str]:
    """Every paragraph the templates themselves contain (headings, guidance, title)."""
    guidance = (g for gs in d.GUIDANCE.values() for g in gs)
    texts = [d.ATTACHMENT1_LABEL, *d.SECTIONS, *d.TASK_SUBSECTIONS, d.REPORT_GUIDANCE, *guidance]
    return texts + ([title] if title else [])


def check_not_blank(paragraphs: Sequence[str], title: str | None = None) -> list[Problem]:
    """A document holding only the template's own headings and guidance was returned unfilled."""
    own = {_norm(t) for t in template_texts(title)}
    filled = any(_norm(p) and _norm(p) not in own and not _LIMIT_NOTE.match(_norm(p)) for p in paragraphs)
    return [] if filled else [problem("E_EMPTY_DOCUMENT")]


# --- 对标对象 as data (seed: "可根据实际，选择单户或者多户企业进行对标") ---------------------------------


@dataclass(frozen=True)
class BenchmarkChoice:
    mode: str  # 单户 | 多户
    names: list[str]

    def as_dict(self) -> dict:
        return asdict(self)


_MODE = re.compile(r"对标方式[:：]?(单户|多户)")
_NAMES = re.compile(r"对标企业[:：]([^。；;]+)")
_SEPARATORS = re.compile(r"[、，,/／]")


def benchmark_choice(paragraphs: Sequence[str]) -> tuple[BenchmarkChoice | None, list[Problem]]:
    """The 对标方式 (单户/多户) and the benchmark enterprises named under 一、对标对象, in the template's format
    (documents/schema.py BENCHMARK_FORMAT). An empty section is already E_SECTION_EMPTY: nothing more is said."""
    own = section_texts(paragraphs).get(d.SECTIONS[0])
    if not own:
        return None, []
    text = "".join(own)
    mode = _MODE.search(text)
    found = _NAMES.search(text)
    names = [n.strip() for n in _SEPARATORS.split(found.group(1))] if found else []
    names = [n for n in names if n]
    problems = []
    if mode is None:
        problems.append(problem("E_BENCHMARK_MODE"))
    if not names:
        problems.append(problem("E_BENCHMARK_NAMES"))
    elif mode is not None and (mode.group(1) == "单户") != (len(names) == 1):
        problems.append(problem("E_BENCHMARK_COUNT", mode=mode.group(1), count=len(names)))
    if problems or mode is None:
        return None, problems
    return BenchmarkChoice(mode.group(1), names), []


# --- 创标企业 as data (seed 二、对标目标: "创标企业（重点培育为标杆的子企业）包括……。其余为达标（对标提升）企业") ----


@dataclass(frozen=True)
class ChuangbiaoUnit:
    """A subsidiary the enterprise cultivates as a 标杆: its name, business line (业务板块) and benchmark."""

    name: str
    business_line: str
    benchmark: str

    def as_dict(self) -> dict:
        return asdict(self)


_CHUANGBIAO = "创标企业："
_UNIT = re.compile(r"^(?P<name>.+?)（业务板块[:：](?P<line>[^；;）]+)[；;]对标企业[:：](?P<bench>.+)）$")
_NONE = re.compile(r"^(无|暂无|没有)[，,。；;：:（(]?(?P<reason>.*)$")


def _top_level_split(text: str) -> list[str]:
    """Split on ；/; /、 outside parentheses (a unit's own （业务板块：…；对标企业：…） stays whole)."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "（"
        depth -= ch == "）" and depth > 0
        if depth == 0 and ch in "；;、":
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p for p in (*parts, current) if p]


def chuangbiao_units(paragraphs: Sequence[str]) -> tuple[list[ChuangbiaoUnit] | None, list[Problem]]:
    """The 创标 subsidiaries named under 二、对标目标 (documents/schema.py CHUANGBIAO_FORMAT), one paragraph or
    several. “创标企业：无” needs its reason. An empty section is already E_SECTION_EMPTY: nothing more is said."""
    own = section_texts(paragraphs).get(d.SECTIONS[1])
    if not own:
        return None, []
    lines = [t[len(_CHUANGBIAO) :].rstrip("。.") for t in own if t.startswith(_CHUANGBIAO)]
    if not lines:
        return None, [problem("E_CHUANGBIAO_MISSING")]
    units: list[ChuangbiaoUnit] = []
    problems: list[Problem] = []
    for line in lines:
        none = _NONE.match(line)
        if none:
            if len(none.group("reason").strip("。.，,")) < 4:
                problems.append(problem("E_CHUANGBIAO_NO_REASON"))
            continue
        for entry in _top_level_split(line):
            match = _UNIT.match(entry.strip())
            if match is None:
                problems.append(problem("E_CHUANGBIAO_FORMAT", entry=entry[:40]))
            else:
                units.append(ChuangbiaoUnit(match["name"], match["line"], match["bench"]))
    return (None, problems) if problems else (units, [])
