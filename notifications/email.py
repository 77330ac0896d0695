"""Email bodies: the HTML part built from the same rendered message text, so a mail client keeps its
paragraphs, numbered items and signature block (Apprise derives the text/plain part from it)."""

from __future__ import annotations

import re
from html import escape

_ITEM = re.compile(r"^(\d+[.．、]|[-•])\s*\S")  # "1. …", "1、…", "- …": a list item line
_BLOCK_STYLE = "margin:0 0 0.9em 0"


def email_html(text: str) -> str:
    """The HTML part of an email, built from the same rendered message text.

    Paragraphs (blocks between blank lines) become <p>, every list item its own block that keeps its
    number, its indented continuation lines and the lines of a signature stay lines (<br/>). The markup
    is shaped so that the plain-text part mail libraries derive from it (Apprise's HTML-to-text) gives the
    original text back: one line per line, a blank line between paragraphs, numbers kept.
    """
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    parts = []
    for block in blocks:
        segments: list[tuple[str, list[str]]] = []  # ("p" | "item", lines)
        for line in block.split("\n"):
            stripped = line.strip()
            if not stripped:
                continue
            if _ITEM.match(stripped):
                segments.append(("item", [stripped]))
            elif line[:1].isspace() and segments and segments[-1][0] == "item":
                segments[-1][1].append(stripped)  # continuation of a list item
            elif segments and segments[-1][0] == "p":
                segments[-1][1].append(stripped)
            else:
                segments.append(("p", [stripped]))
        html_segments = []
        for kind, lines in segments:
            if kind == "item":
                first, *rest = (escape(x) for x in lines)
                inner = first + "".join(f"<br/>&emsp;&emsp;{x}" for x in rest)
                html_segments.append(f'<div style="margin:0 0 0.3em 2em;text-indent:-1.2em">{inner}</div>')
            else:
                html_segments.append(f'<p style="{_BLOCK_STYLE}">' + "<br/>".join(escape(x) for x in lines) + "</p>")
        parts.append("".join(html_segments))
    # The whitespace between blocks is invisible in HTML and is the blank line of the text part.
    body = "\n".join(parts)
    return f'<div style="font-size:16px;line-height:1.8">\n{body}\n</div>'
