"""What a message says about a template it announces (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from campaign.config.model import CampaignConfig, Deliverable, DeliverableKind


@dataclass(frozen=True)
class TemplateFile:
    """A template as a message describes it: its file name and, for a completion report, the filed list it holds."""

    name: str
    filed_version: int | None = None  # version of the filed 目标任务清单 it was pre-filled from
    filed_rows: int = 0


def filed_year(config: CampaignConfig, deliverable: Deliverable) -> int:
    """The year whose filed list a completion report covers: its own year; for the final (2023—2024 汇总)
    report, the last assessed year, whose list it reports on."""
    if deliverable.kind is DeliverableKind.COMPLETION_FINAL:
        years = [d.year for d in config.deliverables if d.kind is DeliverableKind.COMPLETION]
        return max(years) if years else deliverable.year - 1
    return deliverable.year
