"""Jinja2 rendering of every message a person reads. A template defines blocks `title` and `body`."""

from __future__ import annotations

from campaign.reports.jinja import environment


def render_message(template: str, **context) -> tuple[str, str]:
    tmpl = environment().get_template(f"{template}.j2")
    ctx = tmpl.new_context(context)
    title = "".join(tmpl.blocks["title"](ctx)).strip()
    body = "".join(tmpl.blocks["body"](ctx)).strip() + "\n"
    return title, body
