"""A command run without a Prefect server to use starts its own (an ephemeral `uvicorn`); SIGKILLed while
that server runs, the command must not leave it behind (issue 15, item 4: 28 of 31 killed runs did; the
kernel now ends the server with the command, campaign/runtime/lifeline.py).

Every trial pays a server start (~10-20 s here), so the normal suite runs one;
`CAMPAIGN_RELIABILITY_SERVER_TRIALS` sets how many (the long version: 5).
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.reliability.harness import child_running, run_command, seeded
from tests.reliability.homes import ENTERPRISES

TRIALS = int(os.environ.get("CAMPAIGN_RELIABILITY_SERVER_TRIALS", "1"))


@pytest.mark.timeout(300 * TRIALS + 60)
def test_a_command_killed_while_its_own_prefect_server_runs_leaves_no_process_behind(tmp_path, bases, receiver):
    codes = [f"SIM{i:04d}" for i in range(1, ENTERPRISES + 1)] + ["sasac"]
    left: dict[str, list[str]] = {}
    for seed in range(TRIALS):
        home = tmp_path / f"own-server-{seed}"
        shutil.copytree(bases["lists"], home)
        env = {
            **os.environ,
            "CAMPAIGN_HOME": str(home),
            "CAMPAIGN_CONFIG_DIR": str(bases["config"]),
            "CAMPAIGN_APPRISE_CONFIG": str(receiver.apprise_yaml(tmp_path / f"{seed}.yaml", home.name, codes)),
            "PREFECT_HOME": str(tmp_path / f"prefect-{seed}"),  # no profile, no server record: its own server
        }
        for var in ("PREFECT_API_URL", "CAMPAIGN_DATABASE_URL"):
            env.pop(var, None)
        point = child_running("Prefect server", "uvicorn", then=seeded("own-server", seed).uniform(0.0, 3.0))
        run = run_command(["remind", "--as-of", "2023-05-19"], env, point, grace=3.0)
        assert run.killed, f"the command ended before its own server was seen: {run.stderr[-1000:]}"
        if run.leftover:
            left[run.point] = run.leftover
        if os.environ.get("CAMPAIGN_RELIABILITY_REPORT"):
            with open(os.environ["CAMPAIGN_RELIABILITY_REPORT"], "a", encoding="utf-8") as fh:
                line = {"kind": "own-server", "seed": seed, "point": run.point, "seconds": run.elapsed}
                fh.write(json.dumps({**line, "peak_rss_mb": run.peak_rss_mb, "leftover": run.leftover}) + "\n")
    assert not left, f"{len(left)} of {TRIALS} killed commands left processes behind: {left}"
