"""How fast `campaign` answers when it runs no flow, against bare typer+rich in the same run.

    python bench/cli_startup.py [--runs 15]

Each command is a fresh process (what a user waits for), run interleaved with the baselines so load
from other processes hits all of them alike; the figure is the median wall time of N runs.
Baselines: `python -c "import typer, rich"` (the floor the layout issue names) and a two-command
typer app printing its --help (the least any typer CLI with rich help can cost).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MINIMAL_APP = """
import typer
app = typer.Typer(rich_markup_mode="rich")
@app.command()
def a():
    "a"
@app.command()
def b():
    "b"
app()
"""


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cli-startup-"))
    env = {**os.environ, "CAMPAIGN_HOME": str(home)}
    campaign = shutil.which("campaign") or sys.exit("campaign is not installed here (pip install -e .)")
    cases = {
        'python -c "import typer, rich"': [sys.executable, "-c", "import typer, rich"],
        "minimal typer app --help": [sys.executable, "-c", MINIMAL_APP, "--help"],
        "campaign --help": [campaign, "--help"],
        "campaign enterprises --json": [campaign, "enterprises", "--json"],
        "campaign deliverables --json": [campaign, "deliverables", "--json"],
    }
    for argv in cases.values():  # warm the file cache and byte-code
        timed(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, argv in cases.items():
            samples[name].append(timed(argv, env))
    shutil.rmtree(home, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base, floor = medians['python -c "import typer, rich"'], medians["minimal typer app --help"]
    print(f"| command | median (s) | vs import typer, rich | vs minimal typer app --help |  ({args.runs} runs each)")
    print("|---|---:|---:|---:|")
    for name, value in medians.items():
        print(f"| `{name}` | {value:.3f} | {value / base:.2f}x | {value / floor:.2f}x |")


if __name__ == "__main__":
    main()
