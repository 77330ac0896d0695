"""行动日历 (daily 09:00 Beijing time): run exactly what campaign/calendar/plan.py says for the day, once.

It is the only scheduled deployment: every other flow runs through it (or by hand from the UI).

- Routine steps (intake, reminders) run inside this flow run (their flows' bodies, as tasks of this
  run): they happen on ~300 days, and a flow run per step would cost more than the work itself.
  Intake is skipped when the inbox is empty; a file that cannot wait is taken in by a manual run of
  the `intake` deployment.
- Scheduled steps (notice, half-year open/close, next year, final review) run as subflows, so each
  shows in the Prefect UI as its own run under the day's tick.
- The annual assessment pauses for SASAC's review, which can take days, and must not block the
  clock: with `approve_as` (simulations, rehearsals) it runs as a subflow and is approved under
  that name; otherwise it is started as a separate run of the `annual-assessment` deployment
  (run_deployment, timeout=0) that waits for the review form in the UI. Without a Prefect server
  or that deployment the tick fails after its other steps with what to do (`campaign assess`).
- A finished day is recorded (clock_store) and not run again unless `force`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from campaign.calendar.clock import AsOfParam, resolve_as_of
from campaign.calendar.plan import ClockStep, plan_day
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.errors import ActionRequired, DeliveryFailed
from campaign.intake.core import inbox_files
from tasks.clock import day_completed, mark_day
from tasks.db import prepare_database

ASSESSMENT_DEPLOYMENT = "annual-assessment/annual-assessment"


@flow(
    name="campaign-tick",
    description="行动日历：每天 09:00（北京时间）按 config/campaign.yaml 推导当日应做的事——"
    "接收报送、下发与汇总半年进展、新年度编制、年度考核、总结评估、截止提醒；无事则不做；同一天重复运行不会重复执行。",
)
def campaign_tick(as_of: AsOfParam = None, approve_as: str | None = None, force: bool = False) -> dict:
    return run_day(resolve_as_of(as_of), approve_as, force)


def run_day(as_of: datetime, approve_as: str | None = None, force: bool = False, prepared: bool = False) -> dict:
    """The tick's body; the simulation calls it inside its own flow run (one flow run per day costs ~1 s).

    `prepared`: the caller migrated the database and knows this day has not run (the simulation does
    both once for all days), so the two per-day checks are skipped.
    """
    day = as_of.date()
    steps = plan_day(load_config(), day)
    logger = get_run_logger()
    if not steps:
        logger.info("nothing planned for %s", day)
        return {"day": day.isoformat(), "steps": [], "message": f"{day} 行动日历无安排，本次未做任何事"}
    if not prepared:
        prepare_database()
    if not (force or prepared) and day_completed(day):
        return {
            "day": day.isoformat(),
            "steps": [s.name for s in steps],
            "message": f"{day} 已运行过，本次未做任何改动",
            "skipped": True,
        }
    results: dict[str, dict] = {}
    pending: list[str] = []
    for step in steps:
        logger.info("%s: %s", day, step.label_zh)
        started = time.perf_counter()
        try:
            outcome = _run(step, as_of, approve_as)
        except DeliveryFailed as exc:
            # The step's other work is done and its messages are recorded; the day's remaining steps
            # still run, and the day stays open so a rerun delivers what is pending.
            outcome = {"action_required": f"{step.label_zh}：{exc}"}
        outcome["seconds"] = round(time.perf_counter() - started, 3)
        if outcome.get("action_required"):
            pending.append(outcome["action_required"])
        results[_key(step)] = outcome
    if pending:
        raise ActionRequired(
            f"{day} 行动日历有步骤未能完成：",
            "按提示处理后重新运行本日的 campaign-tick（已完成的步骤不会重复发送）。",
            pending,
        )
    mark_day(day, as_of, {"steps": list(results)})
    create_markdown_artifact(
        key="campaign-tick", markdown=_markdown(day.isoformat(), steps, results), description=f"行动日历 {day}"
    )
    return {"day": day.isoformat(), "steps": list(results), "results": results}


def _key(step: ClockStep) -> str:
    return (
        step.name
        + (f":{step.period}" if step.period else "")
        + (f":{step.year}" if step.year else "")
        + (f":{'+'.join(step.deliverables)}" if step.deliverables else "")
    )


def _intake(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    from flows.intake import intake
    from tasks.next_year import lists_awaiting_refresh

    # A 完成情况 accepted on the portal (not through the inbox) still gets next year's list regenerated.
    if not inbox_files(get_settings().home_dir) and not lists_awaiting_refresh(as_of):
        return {"files": 0}  # nothing arrived: an intake run would only log that
    return intake.fn(as_of=as_of)


def _reminders(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    from flows.reminders import reminders

    summary = reminders.fn(as_of=as_of)
    return {k: summary[k] for k in ("day", "due", "newly_recorded", "sent", "failed", "overdue") if k in summary}


def _deployment(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    from flows.deployment_phase import deployment_phase

    return deployment_phase(as_of=as_of)


def _half_year(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    from flows.half_year_collection import half_year_collection

    assert step.period, "a half-year step names its period"
    mode: Literal["open", "close"] = "open" if step.name == "half-year-open" else "close"
    result = half_year_collection(step.period, as_of=as_of, mode=mode)
    return {k: v for k, v in result.items() if k in ("mode", "period", "notices", "sent", "failed", "outputs")}


def _next_year(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    from flows.next_year_cycle import next_year_cycle

    assert step.year, "a next-year step names its year"
    return next_year_cycle(step.year, as_of=as_of)


def _window_open(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    from flows.window_notices import window_notices

    return window_notices(list(step.deliverables), as_of=as_of)


def _final_review(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    from flows.final_review import final_review

    result = final_review(as_of=as_of)
    return {"outputs": result["outputs"], "candidates": len(result["candidates"])}


def _final_review_update(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    from flows.final_review import final_review
    from tasks.final_review import review_needs_update

    if not review_needs_update(as_of):
        return {"updated": False, "reason": "自上一版总结评估以来没有新接收的材料"}
    result = final_review(as_of=as_of)
    return {"updated": True, "outputs": result["outputs"], "candidates": len(result["candidates"])}


def _assessment_step(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    assert step.year, "an assessment step names its year"
    return _assessment(step.year, as_of, approve_as)


# What each kind of clock step runs (campaign/calendar/plan.py decides which steps a day has).
RUNNERS: dict[str, Callable[[ClockStep, datetime, str | None], dict]] = {
    "intake": _intake,
    "reminders": _reminders,
    "deployment": _deployment,
    "half-year-open": _half_year,
    "half-year-close": _half_year,
    "next-year": _next_year,
    "window-open": _window_open,
    "assessment": _assessment_step,
    "final-review": _final_review,
    "final-review-update": _final_review_update,
}


def _run(step: ClockStep, as_of: datetime, approve_as: str | None) -> dict:
    return RUNNERS[step.name](step, as_of, approve_as)


def _assessment(year: int, as_of: datetime, approve_as: str | None) -> dict:
    from flows.annual_assessment import annual_assessment

    if approve_as:
        result = annual_assessment(year, as_of=as_of, approve_as=approve_as)
        return {"status": result["status"], "year": year}
    import httpx
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    try:
        # The key makes a forced rerun of the day find the run it started instead of starting another.
        run: FlowRun = run_deployment(  # type: ignore[assignment]  # called sync; typed as sync-or-coroutine
            ASSESSMENT_DEPLOYMENT,
            parameters={"year": year, "as_of": as_of.isoformat()},
            timeout=0,
            as_subflow=False,
            idempotency_key=f"campaign-tick:assessment-{year}",
        )
    except (ObjectNotFound, httpx.HTTPError) as exc:  # the deployment was never created, or no server answers
        return {
            "action_required": f"未能启动 {year} 年度考核（{type(exc).__name__}）："
            f"请先 `prefect --no-prompt deploy --all`，或手工运行 campaign assess {year} --as-of {as_of.date()}"
        }
    return {"status": "started", "year": year, "flow_run_id": str(run.id)}


def _markdown(day: str, steps: list[ClockStep], results: dict) -> str:
    lines = [f"## 行动日历 {day}", "", "| 步骤 | 结果 |", "|---|---|"]
    for step in steps:
        r = results.get(_key(step), {})
        brief = "，".join(f"{k}={v}" for k, v in r.items() if isinstance(v, (int, str)) and k not in ("as_of",))
        lines.append(f"| {step.label_zh} | {brief or '完成'} |")
    return "\n".join(lines)
