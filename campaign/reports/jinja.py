"""The one Jinja2 environment: HTML reports (campaign/reports/templates/*.html.j2, autoescaped, since
enterprise text must never become markup) and messages (campaign/notices/templates/*.j2, plain text
with `title` and `body` blocks)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from campaign.calendar.clock import format_date_zh, weekday_zh

CAMPAIGN = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = (CAMPAIGN / "reports" / "templates", CAMPAIGN / "notices" / "templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(d) for d in TEMPLATE_DIRS]),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False, default=False),
        undefined=StrictUndefined,  # a missing variable is a bug, not an empty string in a government notice
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["zh_date"] = format_date_zh
    env.filters["weekday"] = weekday_zh
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.1%}"
    env.filters["num"] = lambda v, digits=2: "—" if v is None else f"{v:,.{digits}f}".rstrip("0").rstrip(".")
    env.filters["svg"] = Markup  # our own matplotlib output only
    return env
