"""Jinja2 rendering of every message a person reads. A template defines blocks `title` and `body`."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from campaign.calendar.clock import format_date_zh, weekday_zh

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,  # a missing variable is a bug, not an empty string in a government notice
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["zh_date"] = format_date_zh
    env.filters["weekday"] = weekday_zh
    return env


def render_message(template: str, **context) -> tuple[str, str]:
    tmpl = environment().get_template(f"{template}.j2")
    ctx = tmpl.new_context(context)
    title = "".join(tmpl.blocks["title"](ctx)).strip()
    body = "".join(tmpl.blocks["body"](ctx)).strip() + "\n"
    return title, body
