"""Render an HTML report from a Jinja2 template under campaign/reports/templates/ (autoescaped)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from campaign.calendar.clock import format_date_zh

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),  # enterprise-supplied text must never become markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["zh_date"] = format_date_zh
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.1%}"
    env.filters["num"] = lambda v, digits=2: "—" if v is None else f"{v:,.{digits}f}".rstrip("0").rstrip(".")
    env.filters["svg"] = Markup  # our own matplotlib output only
    return env


def render_report(template: str, out: Path, **context) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(environment().get_template(template).render(**context), encoding="utf-8")
    return out
