"""Publish what a flow did as Prefect artifacts (shown on the flow run's Artifacts tab in the UI).

Plain functions, not tasks: an artifact belongs to the flow run that calls them and costs no task run.
Keys (lowercase, digits, dashes) make the latest version of each report findable under Artifacts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from campaign.reports import markdown as md


def _checked(key: str) -> str:
    if not md.ARTIFACT_KEY.match(key):
        raise ValueError(f"artifact key {key!r} must be lowercase letters, digits and dashes")
    return key


def publish_summary(
    key: str,
    title: str,
    as_of: str,
    counts: Mapping[str, Any],
    *,
    sections: Sequence[tuple[str, str]] = (),
    links: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    description: str | None = None,
):
    """The markdown report every flow ends with: counts first, then who/what, then links."""
    text = md.summary(title, as_of, counts, sections=sections, links=links, notes=notes)
    return create_markdown_artifact(key=_checked(key), markdown=text, description=description or title)


def publish_table(key: str, columns: Mapping[str, str], rows: Sequence[Mapping[str, Any]], description: str):
    """A sortable table artifact, with Chinese column headers, e.g. who has not filed yet."""
    data = [{header: row.get(field) for field, header in columns.items()} for row in rows]
    return create_table_artifact(key=_checked(key), table=data, description=description)
