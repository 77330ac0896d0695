"""`campaign remind` with and without a running `campaign serve`, in the same run.

    python bench/server_reuse.py [--runs 3]

Without a server every command that runs a flow starts a local Prefect server of its own (~10-20 s here);
while `campaign serve` runs for the same CAMPAIGN_HOME, commands find it ($CAMPAIGN_HOME/prefect/
server.json) and use it. The figure is the median wall time of each way, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=4299)
    args = parser.parse_args()
    campaign = shutil.which("campaign") or "campaign"
    home = Path(tempfile.mkdtemp(prefix="server-reuse-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "CAMPAIGN_DATABASE_URL")}
    env.update(
        CAMPAIGN_HOME=str(home), PREFECT_HOME=str(home / "prefect-cli"), PREFECT_SERVER_ANALYTICS_ENABLED="false"
    )
    remind = [campaign, "remind", "--as-of", "2023-05-19", "--json"]
    subprocess.run([campaign, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    ephemeral = [timed(remind, env) for _ in range(args.runs)]
    serve = subprocess.Popen(
        [campaign, "serve", "--port", str(args.port), "--workers", "0", "--no-deploy", "--web-port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not (home / "prefect" / "server.json").exists():
            if time.monotonic() > deadline or serve.poll() is not None:
                raise SystemExit("campaign serve did not come up")
            time.sleep(0.5)
        reused = [timed(remind, env) for _ in range(args.runs)]
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        serve.wait(60)
    shutil.rmtree(home, ignore_errors=True)
    a, b = statistics.median(ephemeral), statistics.median(reused)
    print(f"| way | median (s) over {args.runs} runs |\n|---|---:|")
    print(f"| `campaign remind`, ephemeral Prefect server per command | {a:.1f} |")
    print(f"| `campaign remind` while `campaign serve` runs | {b:.1f} |")
    print(f"| ratio | {a / b:.1f}x faster with the running server |")


if __name__ == "__main__":
    main()
