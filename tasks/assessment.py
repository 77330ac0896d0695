"""Annual assessment tasks: score the year, apply SASAC's review, finalise and write the outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from prefect import get_run_logger, task

from campaign.assessment.outputs import AssessmentFiles, write_final_outputs, write_scoring_sheet
from campaign.assessment.rules import Adjustment, EnterpriseResult
from campaign.assessment.store import (
    apply_review,
    collect_inputs,
    finalize_assessment,
    get_or_create,
    load_final,
    load_results,
    save_auto_scores,
    source_files,
)
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.session import session_scope


@dataclass(frozen=True)
class ScoredYear:
    """The automatic scores awaiting review (or `status == "final"`: the year was finalised before)."""

    status: str
    year: int
    scoring_sheet: str = ""
    sources: dict[str, str] = field(default_factory=dict)  # enterprise code -> which file its rows came from
    auto_totals: dict[str, float] = field(default_factory=dict)
    pending_manual: dict[str, list[str]] = field(
        default_factory=dict
    )  # enterprise code -> 序号 of rows to score by hand


@dataclass(frozen=True)
class ResultRow:
    code: str
    name: str
    category: str
    total: float
    rank: str
    grade: str


@dataclass(frozen=True)
class FinalizedYear:
    status: str
    year: int
    reviewer: str
    changes: int
    results: list[ResultRow]
    outputs: AssessmentFiles


@task(name="score-year")
def score_year(year: int, as_of: datetime, flow_run_id: str | None) -> ScoredYear:
    """Auto-score every enterprise's rows (one task run for all of them) and export the scoring sheet."""
    config = load_config()
    home = get_settings().home_dir
    with session_scope() as session:
        assessment = get_or_create(session, year, as_of)
        if assessment.status == "final":
            return ScoredYear("final", year)
        inputs = collect_inputs(session, config, year, as_of)
        rows = save_auto_scores(session, assessment, config, inputs)
        assessment.status, assessment.flow_run_id, assessment.as_of = "awaiting_review", flow_run_id, as_of
        results = list(load_results(session, assessment, config).values())
        sheet = write_scoring_sheet(home, year, results)
    get_run_logger().info("scored %d rows for %d enterprises", rows, len(inputs))
    return ScoredYear(
        status="awaiting_review",
        year=year,
        scoring_sheet=str(sheet),
        sources={i.code: i.source for i in inputs},
        auto_totals={r.code: r.base_total for r in results},
        pending_manual={r.code: [i.item.label for i in r.pending_manual] for r in results if r.pending_manual},
    )


@task(name="finalize-year")
def finalize_year(year: int, adjustments: list[Adjustment], reviewer: str, as_of: datetime) -> FinalizedYear:
    config = load_config()
    home = get_settings().home_dir
    with session_scope() as session:  # the review is kept even when finalising then refuses
        changes = apply_review(session, get_or_create(session, year, as_of), config, adjustments, reviewer, as_of)
    with session_scope() as session:
        results = finalize_assessment(session, get_or_create(session, year, as_of), config, reviewer, as_of)
        sources = source_files(session, config, year, as_of, home)
    outputs = write_final_outputs(home, config, year, results, sources, as_of)
    return FinalizedYear(
        status="final",
        year=year,
        reviewer=reviewer,
        changes=len(changes),
        results=[_row(r) for r in results],
        outputs=outputs,
    )


@task(name="complete-final-year")
def complete_final_year(year: int, as_of: datetime) -> FinalizedYear:
    """A year finalised before: write its outputs again, since a run killed after the finalising commit
    leaves none, or half a workbook. Its results go back to the flow, which records and sends the result
    notices such a run may never have recorded (natural keys: a notice already sent is not sent again)."""
    config = load_config()
    home = get_settings().home_dir
    with session_scope() as session:
        final = load_final(session, config, year, home)
    assert final is not None, "score_year found the year final"
    outputs = write_final_outputs(home, config, year, final.results, final.sources, final.finalized_at)
    return FinalizedYear(
        status="final",
        year=year,
        reviewer=final.reviewer,
        changes=0,
        results=[_row(r) for r in final.results],
        outputs=outputs,
    )


def _row(r: EnterpriseResult) -> ResultRow:
    return ResultRow(r.code, r.name, r.category, r.total, f"{r.rank_in_category}/{r.category_size}", r.grade)
