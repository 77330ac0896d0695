"""The whole campaign at 10, 100, 1,000 synthetic enterprises; the routine steps alone at 10,000.

    python bench/scale.py --sizes 10 100 1000                  # full campaign 2023-05-12 → 2025-06-30 per size
    python bench/scale.py --sizes 100 --to 2023-07-31          # a shorter window while iterating
    python bench/scale.py --routine 10000                      # notices, reminders, a day's intake at 10,000
    python bench/scale.py --sizes 100 --code /path/to/checkout # the same bench against another checkout (baseline)
    python bench/scale.py --sizes 100 --profile prof.txt       # pyinstrument text profile of the simulation

Each size runs in its own child process with a fresh CAMPAIGN_HOME, PREFECT_HOME (ephemeral Prefect
server, SQLite) and synthetic config (`write_synthetic_config`), so peak RSS and the Prefect run counts
belong to that size alone. The server's start-up and one warm-up flow run are not timed. Reported per
size: wall time of the simulation flow, time per enterprise, seconds per step kind (the clock's steps
as the simulation records them; "file building" is the synthetic enterprises writing their files into
the inbox, outside the clock; "day overhead" is the rest of each day: the day's artifact, completion
mark, Prefect bookkeeping), peak RSS of the simulation process and of the Prefect server, database size,
flow runs and task runs (and task runs per active day). `--code` puts another checkout first on
sys.path, so baseline and change run in the same session with the same bench.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

START = date(2023, 5, 12)
END = date(2025, 6, 30)
STEP_KINDS = {  # clock step -> the kind reported (the list)
    "intake": "intake",
    "reminders": "reminders",
    "half-year-open": "half-year",
    "half-year-close": "half-year",
    "assessment": "assessment",
    "final-review": "final review",
    "final-review-update": "final review",
    "deployment": "notices",
    "window-open": "notices",
    "next-year": "next year",
}


def _environment(n: int, seed: int) -> Path:
    """Fresh homes and the synthetic config for n enterprises; must run before prefect is imported."""
    root = Path(tempfile.mkdtemp(prefix=f"scale-{n}-"))
    os.environ["CAMPAIGN_HOME"] = str(root / "home")
    os.environ["PREFECT_HOME"] = str(root / "prefect")
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from campaign.cli.simulate import write_synthetic_config

    os.environ["CAMPAIGN_CONFIG_DIR"] = str(write_synthetic_config(root / "config", n, seed))
    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment(False)
    return root


def _warm_up() -> float:
    from prefect import flow

    @flow(name="warm-up")
    def warm_up() -> None:
        return None

    started = time.perf_counter()
    warm_up()  # starts the ephemeral server
    return time.perf_counter() - started


def _peak_rss_mb(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _server_rss_mb() -> float:
    """Peak RSS of the ephemeral Prefect server (a child process of this one)."""
    peak = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid():
                peak = max(peak, _peak_rss_mb(int(stat.parent.name)))
        except (OSError, ValueError, IndexError):
            continue
    return peak


def _run_counts() -> tuple[int, int]:
    import anyio
    from prefect.client.orchestration import get_client

    async def count() -> tuple[int, int]:
        async with get_client() as client:
            task_runs = (await client._client.post("/task_runs/count", json={})).json()  # no client method
            return await client.count_flow_runs(), int(task_runs)

    return anyio.run(count)


def _db_mb(root: Path) -> float:
    home = root / "home"
    return sum(p.stat().st_size for p in home.glob("campaign.db*")) / 2**20


def child_campaign(n: int, end: date, seed: int, profile: str | None) -> dict:
    root = _environment(n, seed)
    server_start = _warm_up()
    from flows.simulate import campaign_simulation

    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    started, cpu = time.perf_counter(), time.process_time()
    stats = campaign_simulation(START, end, seed)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")  # type: ignore[arg-type]
    kinds: dict[str, float] = {}
    for step, seconds in (stats.get("seconds") or {}).items():
        kind = STEP_KINDS.get(step, step)
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    day_seconds = stats.get("day_seconds", 0.0)
    # Checkouts whose simulation does not time the file building: everything outside the days.
    kinds["file building"] = stats.get("file_seconds", wall - day_seconds)
    kinds["day overhead"] = day_seconds - sum(v for k, v in kinds.items() if k != "file building")
    flow_runs, task_runs = _run_counts()
    return {
        "mode": "campaign",
        "enterprises": n,
        "to": end.isoformat(),
        "server_start_s": round(server_start, 1),
        "wall_s": round(wall, 1),
        "per_enterprise_s": round(wall / n, 3),
        # CPU seconds of the simulation process (the Prefect server's are not included): on a shared
        # machine the wall time depends on the neighbours' load, this much less.
        "cpu_s": round(cpu, 1),
        "days": stats["days"],
        "files": stats["files"],
        "steps_s": {k: round(v, 1) for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])},
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "server_peak_rss_mb": round(_server_rss_mb(), 1),
        "db_mb": round(_db_mb(root), 1),
        "flow_runs": flow_runs,
        "task_runs": task_runs,
        "task_runs_per_day": round(task_runs / max(stats["days"], 1), 1),
    }


def child_routine(n: int, seed: int) -> dict:
    """Notices, reminders and a day's intake at n enterprises: what runs on ordinary days."""
    root = _environment(n, seed)
    server_start = _warm_up()
    from campaign.calendar.clock import resolve_as_of
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.migrate import init_database
    from campaign.simulation.behaviour import plan_actions
    from campaign.simulation.data import enterprise_rows
    from campaign.simulation.files import build_file
    from flows.deployment_phase import deployment_phase
    from flows.intake import intake
    from flows.reminders import reminders

    init_database()
    config = load_config()
    home = get_settings().home_dir
    timings: dict[str, float] = {}

    def timed(name: str, fn) -> object:
        started = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - started, 1)
        return result

    timed("notices (deployment phase, templates included)", lambda: deployment_phase(as_of=resolve_as_of("2023-05-12")))
    timed("reminders (T-7 of plan-2023, every enterprise)", lambda: reminders(as_of=resolve_as_of("2023-05-15")))
    # The busiest filing day of the deployment phase: its files, built as the simulation builds them.
    actions = [a for a in plan_actions(config, seed) if a.day <= date(2023, 5, 31)]
    busiest = max({a.day for a in actions}, key=lambda d: sum(a.day == d for a in actions))
    todays = [a for a in actions if a.day == busiest]
    years = sorted(config.final_review.years)

    def build() -> int:
        built = 0
        for a in todays:
            rows = enterprise_rows(config, config.enterprise(a.enterprise), seed, years)
            built += (
                build_file(
                    config,
                    config.enterprise(a.enterprise),
                    config.deliverable(a.deliverable),
                    rows,
                    a.variant == "faulty",
                    home,
                    home / "inbox",
                )
                is not None
            )
        return built

    files = timed(f"file building ({busiest})", build)
    result = timed(f"intake of {busiest}'s files", lambda: intake(as_of=resolve_as_of(busiest)))
    flow_runs, task_runs = _run_counts()
    return {
        "mode": "routine",
        "enterprises": n,
        "server_start_s": round(server_start, 1),
        "steps_s": timings,
        "files": files,
        "accepted": result["accepted"],  # type: ignore[index]
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "server_peak_rss_mb": round(_server_rss_mb(), 1),
        "db_mb": round(_db_mb(root), 1),
        "flow_runs": flow_runs,
        "task_runs": task_runs,
    }


def _spawn(args: list[str], code: str | None) -> dict:
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [code, env.get("PYTHONPATH")]))
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = out.name
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, *args, "--json", target], env=env, check=True)
    result = json.loads(Path(target).read_text())
    result["process_s"] = round(time.perf_counter() - started, 1)
    result["code"] = code or str(Path(__file__).resolve().parents[1])
    return result


def _print(result: dict) -> None:
    n = result["enterprises"]
    head = f"[{result['mode']}] {n} enterprises ({result['code']})"
    if result["mode"] == "campaign":
        head += (
            f": {result['wall_s']} s to {result['to']} (CPU {result['cpu_s']} s), "
            f"{result['per_enterprise_s']} s/enterprise, "
            f"{result['days']} days, {result['files']} files"
        )
    if result["mode"] == "routine":
        head += f": {result['files']} files on the busiest filing day, {result['accepted']} accepted"
    print(head)
    for step, seconds in result["steps_s"].items():
        print(f"    {step:48s} {seconds:8.1f} s")
    extra = f", {result['task_runs_per_day']} task runs/day" if "task_runs_per_day" in result else ""
    print(
        f"    peak RSS {result['peak_rss_mb']} MB (Prefect server {result['server_peak_rss_mb']} MB), "
        f"database {result['db_mb']} MB, {result['flow_runs']} flow runs, {result['task_runs']} task runs{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[])
    parser.add_argument("--routine", type=int, nargs="*", default=[])
    parser.add_argument("--to", default=END.isoformat())
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--code", help="another checkout to measure (e.g. the baseline)")
    parser.add_argument("--profile", help="write a pyinstrument text profile of each size (suffix -N added)")
    parser.add_argument("--out", help="append the results as JSON lines to this file")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-routine", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    end = date.fromisoformat(args.to)
    if args.child or args.child_routine:
        if args.child:
            result = child_campaign(args.child, end, args.seed, args.profile)
        else:
            result = child_routine(args.child_routine, args.seed)
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False))
        return
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()}, Python {sys.version.split()[0]}")
    jobs = [["--child", str(n), "--to", args.to] for n in args.sizes]
    jobs += [["--child-routine", str(n)] for n in args.routine]
    for job in jobs:
        if args.profile and job[0] == "--child":
            job += ["--profile", f"{args.profile}-{job[1]}.txt"]
        result = _spawn([*job, "--seed", str(args.seed)], args.code)
        result["load_after"] = os.getloadavg()
        _print(result)
        if args.out:
            with open(args.out, "a", encoding="utf-8") as out:
                out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
