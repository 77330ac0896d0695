"""Final review tasks: gather + compute + write the outputs in one task run; build SASAC's message."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.session import session_scope
from campaign.final_review.outputs import short, write_outputs
from campaign.final_review.rules import BENCHMARK, EXEMPLAR, FinalReview, review
from campaign.final_review.store import gather
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message


@task(name="final-review-compute")
def compute_review(as_of: datetime) -> tuple[FinalReview, dict[str, str]]:
    config = load_config()
    with session_scope() as session:
        data = gather(session, config, as_of)
    result = review(data, config.final_review)
    return result, write_outputs(get_settings().home_dir, config, result, as_of)


def ready_message(result: FinalReview, outputs: dict[str, str], as_of: datetime) -> OutgoingMessage:
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
        benchmarks=[short(c.name) for c in result.candidates if c.kind == BENCHMARK],
        notes=len(result.notes),
    )
    return OutgoingMessage(f"final-review:{as_of.date().isoformat()}", "digest", "sasac", title, body)
