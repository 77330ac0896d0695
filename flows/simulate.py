"""Replay the campaign day by day: synthetic enterprises drop real files into the inbox, the real clock runs.

One `campaign-simulation` flow run; each active day runs the clock's body (flows/campaign_tick.py
run_day) inside it: routine steps as its task runs, phase steps (notice, half-year, next year,
assessments, final review) as subflows, which the Prefect UI lists like production runs. Measured
on this 2-core machine: a flow run per day costs ~1.1 s of Prefect overhead alone, the in-run day
~0.3 s (bench/RESULTS.md). Days on which the clock has only
intake to do and no enterprise sends anything are skipped: intake of an empty inbox does nothing.
A day the clock already completed (clock_store) is skipped too, so a replay over the same home
changes nothing and an interrupted simulation resumes where it stopped.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from typing import Any

from prefect import flow
from prefect.context import FlowRunContext

from campaign.calendar.clock import resolve_as_of
from campaign.calendar.plan import active_days
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.simulation.behaviour import Action, plan_actions
from campaign.simulation.data import enterprise_rows
from campaign.simulation.files import build_file

REVIEWER = "模拟审核"


def simulation_days(start: date, end: date, seed: int) -> tuple[list[date], dict[date, list[Action]]]:
    config = load_config()
    by_day: dict[date, list[Action]] = defaultdict(list)
    for action in plan_actions(config, seed):
        if start <= action.day <= end:
            by_day[action.day].append(action)
    days = sorted(set(active_days(config, start, end, routine_intake=False)) | set(by_day))
    return days, dict(by_day)


_listeners: list[Callable[[date, str], None]] = []


@contextmanager
def listening(on_day: Callable[[date, str], None]):
    """Progress callbacks (the CLI's progress bar) without passing a callable as a flow parameter."""
    _listeners.append(on_day)
    try:
        yield
    finally:
        _listeners.remove(on_day)


def _tell(day: date, text: str) -> None:
    for listener in _listeners:
        listener(day, text)


def _forget_task_results() -> None:
    """Prefect keeps every task and subflow result of a flow run in memory (run_results, to trace which
    result fed which task). This flow run spans the whole campaign, so that grew with days × enterprises
    (message lists, intake outcomes); a finished day hands nothing to the next, so its results can go."""
    context = FlowRunContext.get()
    if context is not None:
        context.run_results.clear()


@flow(
    name="campaign-simulation",
    description="模拟整个行动：模拟企业按各自习惯（按时、逾期、被退回后重报、未报）把文件放入收件箱，"
    "行动日历逐日运行真实流程（收件、提醒、半年进展、年度考核、总结评估）。同一 seed 结果相同；"
    "重复运行不改变任何数据。",
)
def campaign_simulation(start: date, end: date, seed: int = 1) -> dict:
    from campaign.calendar.store import completed_days
    from campaign.db.migrate import upgrade_to_head
    from campaign.db.session import session_scope
    from campaign.db.sync import sync_config
    from flows.campaign_tick import run_day

    config = load_config()
    home = get_settings().home_dir
    upgrade_to_head()
    with session_scope() as session:
        sync_config(session, config)
        done = completed_days(session)
    years = sorted(config.final_review.years)
    rows = {e.code: enterprise_rows(config, e, seed, years) for e in config.enterprises}
    days, by_day = simulation_days(start, end, seed)
    stats: dict[str, Any] = {"days": len(days), "ticked": 0, "skipped": 0, "files": 0}
    for day in days:
        if day in done:
            stats["skipped"] += 1
            _tell(day, "已运行，跳过")
            continue
        building = time.perf_counter()
        for action in by_day.get(day, []):
            enterprise = config.enterprise(action.enterprise)
            path = build_file(
                config,
                enterprise,
                config.deliverable(action.deliverable),
                rows[action.enterprise],
                action.variant == "faulty",
                home,
                home / "inbox",
            )
            stats["files"] += path is not None
        stats["file_seconds"] = stats.get("file_seconds", 0.0) + time.perf_counter() - building
        started = time.perf_counter()
        result = run_day(resolve_as_of(day), approve_as=REVIEWER, prepared=True)
        _forget_task_results()
        for step, outcome in (result.get("results") or {}).items():
            stats.setdefault("seconds", {}).setdefault(step.split(":")[0], 0.0)
            stats["seconds"][step.split(":")[0]] += outcome.get("seconds", 0.0)
        stats["day_seconds"] = stats.get("day_seconds", 0.0) + time.perf_counter() - started
        stats["ticked"] += 1
        _tell(day, f"{len(by_day.get(day, []))} 份报送")
    return stats
