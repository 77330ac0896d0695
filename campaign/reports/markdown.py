"""Markdown for ops-facing artifacts: one look for every flow (pure: no Prefect, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

ARTIFACT_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def cell(value: Any) -> str:
    """A table cell: pipes and newlines would break the table; None reads as a dash."""
    if value is None or value == "":
        return "—"
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def table(columns: Mapping[str, str], rows: Sequence[Mapping[str, Any]]) -> str:
    """`columns` maps row keys to Chinese headers, in display order."""
    head = "| " + " | ".join(cell(h) for h in columns.values()) + " |"
    rule = "|" + "---|" * len(columns)
    body = ["| " + " | ".join(cell(row.get(k)) for k in columns) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def summary(
    title: str,
    as_of: str,
    counts: Mapping[str, Any],
    *,
    sections: Sequence[tuple[str, str]] = (),
    links: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """Title, business date, the counts ops look for first, then detail sections and links."""
    parts = [
        f"## {title}",
        "",
        f"业务日期（as_of）：{as_of}",
        "",
        table({"k": "项目", "v": "数量"}, [{"k": k, "v": v} for k, v in counts.items()]),
    ]
    for note in notes:
        parts += ["", f"> {note}"]
    for heading, text in sections:
        parts += ["", f"### {heading}", "", text]
    if links:
        parts += ["", "### 相关链接", ""] + [f"- [{cell(label)}]({url})" for label, url in links.items()]
    return "\n".join(parts) + "\n"
