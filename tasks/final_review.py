"""Final review tasks: gather + compute + write the outputs in one task run; build SASAC's message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from prefect import task

from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.session import session_scope
from campaign.final_review.outputs import short, write_outputs
from campaign.final_review.rules import BENCHMARK, EXEMPLAR, FinalReview, review
from campaign.final_review.store import gather, inputs_fingerprint, record_version, versions
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message


@dataclass(frozen=True)
class ReviewRun:
    result: FinalReview
    outputs: dict[str, str]
    previous: list[date] = field(default_factory=list)  # business dates of the earlier versions (kept)


def _earlier(as_of: datetime) -> list[tuple[date, str]]:
    with session_scope() as session:
        return [(day, inputs) for day, inputs in versions(session) if day < as_of.date()]


@task(name="final-review-needs-update")
def review_needs_update(as_of: datetime) -> bool:
    """After the first review: whether a file it uses (or a finalised year) was accepted since the last version."""
    earlier = _earlier(as_of)
    if not earlier:
        return False
    with session_scope() as session:
        return inputs_fingerprint(session, load_config(), as_of) != earlier[-1][1]


@task(name="final-review-compute")
def compute_review(as_of: datetime) -> ReviewRun:
    """Review as of `as_of` and write its dated version (earlier versions are kept beside it)."""
    config = load_config()
    previous = [day for day, _ in _earlier(as_of)]
    with session_scope() as session:
        fingerprint = inputs_fingerprint(session, config, as_of)
        data = gather(session, config, as_of)
    result = review(data, config.final_review)
    outputs = write_outputs(get_settings().home_dir, config, result, as_of, previous)
    with session_scope() as session:
        record_version(session, as_of, fingerprint, outputs)
    return ReviewRun(result, outputs, previous)


def ready_message(
    result: FinalReview, outputs: dict[str, str], as_of: datetime, previous: list[date] | None = None
) -> OutgoingMessage:
    config = load_config()
    years = []
    for y in result.years:
        done = [c for r in result.enterprises if (c := r.completion[y]) is not None]
        quantified, reached = sum(c.quantified for c in done), sum(c.reached for c in done)
        years.append({"year": y, "reported": len(done), "share": f"{reached / quantified:.1%}" if quantified else "—"})
    title, body = render_message(
        "final_review_ready",
        campaign_title=config.campaign.title,
        as_of=as_of.date(),
        outputs=outputs,
        years=years,
        enterprises=len(result.enterprises),
        reports=sum(1 for r in result.enterprises if r.data.evaluation_report),
        exemplars=[short(c.name) for c in result.candidates if c.kind == EXEMPLAR],
        benchmarks=[short(c.who) for c in result.candidates if c.kind == BENCHMARK],
        notes=len(result.notes),
        missing=result.missing_files,
        missing_enterprises=len(result.missing),
        withheld=[f"{short(c.who)}（{c.kind}）" for c, _ in result.withheld],
        previous=previous or [],
    )
    return OutgoingMessage(f"final-review:{as_of.date().isoformat()}", "digest", "sasac", title, body)
