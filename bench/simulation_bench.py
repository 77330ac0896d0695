"""Simulation timing: one flow run per active day (baseline) vs the days run inside one flow run.

    python bench/simulation_bench.py [--to 2023-07-20] [--full]

Both sides replay the same seeded days (sample district) into fresh homes on one warm Prefect
ephemeral server; `--full` then times the whole campaign (2023-05-12 → 2025-06-30) the way
`campaign simulate` runs it, with the seconds per clock step.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="sim-bench-prefect-"))
for key in (
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL",
):
    os.environ[key] = "WARNING"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
START = date(2023, 5, 12)


def _fresh_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="sim-bench-home-"))
    os.environ["CAMPAIGN_HOME"] = str(home)
    from campaign.db.session import dispose_engines

    dispose_engines()
    return home


def per_day_flow_runs(end: date, seed: int) -> tuple[float, int]:
    """Baseline: the production shape, one campaign-tick flow run per active day."""
    from campaign.calendar.clock import resolve_as_of
    from campaign.config.model import load_config
    from campaign.simulation.data import enterprise_rows
    from campaign.simulation.files import build_file
    from flows.campaign_tick import campaign_tick
    from flows.simulate import simulation_days

    home = _fresh_home()
    config = load_config()
    rows = {e.code: enterprise_rows(config, e, seed, sorted(config.final_review.years)) for e in config.enterprises}
    days, by_day = simulation_days(START, end, seed)
    started = time.perf_counter()
    for day in days:
        for a in by_day.get(day, []):
            build_file(
                config,
                config.enterprise(a.enterprise),
                config.deliverable(a.deliverable),
                rows[a.enterprise],
                a.variant == "faulty",
                home,
                home / "inbox",
            )
        campaign_tick(as_of=resolve_as_of(day), approve_as="模拟审核")
    return time.perf_counter() - started, len(days)


def in_one_flow_run(end: date, seed: int) -> tuple[float, dict]:
    from flows.simulate import campaign_simulation

    _fresh_home()
    started = time.perf_counter()
    stats = campaign_simulation(START, end, seed)
    return time.perf_counter() - started, stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--to", default="2023-07-20")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    end = date.fromisoformat(args.to)
    t0 = time.perf_counter()
    from prefect import flow

    flow(lambda: None, name="warm-up")()  # starts the ephemeral server: not part of either side
    print(f"ephemeral server start + first flow run: {time.perf_counter() - t0:.1f} s")
    base, days = per_day_flow_runs(end, args.seed)
    inner, stats = in_one_flow_run(end, args.seed)
    print(f"{START} → {end}, {days} active days, {stats['files']} files")
    print(f"  one flow run per day (baseline): {base:.1f} s ({base / days:.2f} s/day)")
    print(f"  days inside one flow run:        {inner:.1f} s ({inner / days:.2f} s/day), ratio {inner / base:.2f}")
    if args.full:
        full, stats = in_one_flow_run(date(2025, 6, 30), args.seed)
        print(f"whole campaign: {full:.1f} s, {stats['days']} days, {stats['files']} files; seconds per step:")
        for step, seconds in sorted(stats["seconds"].items(), key=lambda kv: -kv[1]):
            print(f"  {step:16s} {seconds:6.1f}")
        print(f"  (day bookkeeping, artifacts, file building: {full - sum(stats['seconds'].values()):.1f})")


if __name__ == "__main__":
    main()
