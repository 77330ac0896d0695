"""Render an HTML report from a template under campaign/reports/templates/ (autoescaped; see reports/jinja.py)."""

from __future__ import annotations

from pathlib import Path

from campaign.reports.jinja import environment


def render_report(template: str, out: Path, **context) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(environment().get_template(template).render(**context), encoding="utf-8")
    return out
