"""The files held by a live intake run (its current batch) are skipped and the rerun says which and why;
once that run is killed, the next run takes them over at once (not after the 30-minute lease).

The holder is a real `campaign run intake` stopped (SIGSTOP) in the middle of a batch: alive, its claims
in the database, its pid on this host. Then it is SIGKILLed, as in the other trials.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time

import pytest

from campaign.intake.core import BATCH_SIZE
from tests.reliability.harness import CAMPAIGN, marked_processes, query, run_command
from tests.reliability.homes import ENTERPRISES
from tests.reliability.scenarios import SCENARIOS, Trial

INTAKE = ["run", "intake", "--as-of", "2023-05-20"]


def _summary(stdout: str) -> dict:
    return json.loads(stdout[stdout.index("{") :])


def _writer_lock_free(home) -> bool:
    """Whether nobody holds SQLite's write lock (a stopped holder would block the other run for 30 s)."""
    conn = sqlite3.connect(home / "campaign.db", timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def _stop_inside_a_file(proc: subprocess.Popen, home, timeout: float = 240) -> str:
    """SIGSTOP the run while it holds a file's claim (and not SQLite's write lock); return the claim key."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the intake run ended before it could be stopped inside a file"
        held = query(home, "SELECT key FROM work_claim WHERE kind = 'inbox' AND status = 'claimed'")
        if held:
            proc.send_signal(signal.SIGSTOP)
            still = query(home, "SELECT key FROM work_claim WHERE kind = 'inbox' AND status = 'claimed'")
            if still and _writer_lock_free(home):
                return still[0][0]
            proc.send_signal(signal.SIGCONT)
        time.sleep(0.005)
    raise AssertionError("never caught the intake run inside a file")


@pytest.mark.timeout(900)
def test_a_file_held_by_a_live_run_is_skipped_with_its_reason_and_taken_over_once_its_owner_is_killed(
    tmp_path, bases, receiver, prefect_api_url
):
    scenario = SCENARIOS["intake"]
    home = tmp_path / "held"
    shutil.copytree(bases["fresh"], home)
    trial = Trial("intake", 0, home)
    scenario.prepare(trial, bases)
    codes = [f"SIM{i:04d}" for i in range(1, ENTERPRISES + 1)] + ["sasac"]
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api_url,
        "CAMPAIGN_HOME": str(home),
        "CAMPAIGN_CONFIG_DIR": str(bases["config"]),
        "CAMPAIGN_APPRISE_CONFIG": str(receiver.apprise_yaml(tmp_path / "apprise.yaml", "held", codes)),
    }
    env.pop("CAMPAIGN_DATABASE_URL", None)
    holder = subprocess.Popen(
        [CAMPAIGN, *INTAKE], env={**env, "CAMPAIGN_RELIABILITY_TRIAL": "held-holder"}, stdout=subprocess.DEVNULL
    )
    try:
        _stop_inside_a_file(holder, home)
        # The holder claims a batch at a time (campaign.intake.core.BATCH_SIZE): all of it is its own.
        held = query(home, "SELECT claimed_by FROM work_claim WHERE status = 'claimed'")
        assert 1 <= len(held) <= BATCH_SIZE and all(f":{holder.pid}:" in owner for (owner,) in held), held

        second = run_command(INTAKE, env)
        assert second.returncode == 0, second.stderr[-2000:]
        summary = _summary(second.stdout)
        assert summary["skipped"] == len(held), summary
        for name, why in summary["skipped_files"].items():
            assert f"正由本机仍在运行的进程 {holder.pid} 处理" in why, why
            assert (home / "inbox" / name).is_file(), "a skipped file stays in the inbox for its holder"
        assert summary["accepted"] + summary["rejected"] + summary["duplicates"] < trial.files
    finally:
        holder.kill()  # SIGKILL reaches a stopped process too
        holder.wait()
    leftover = marked_processes("held-holder")
    for p in leftover:
        p.kill()
    assert not leftover, f"the killed holder left {[' '.join(p.cmdline()) for p in leftover]}"

    third = run_command(INTAKE, env)
    assert third.returncode == 0, third.stderr[-2000:]
    summary = _summary(third.stdout)
    assert summary["skipped"] == 0 and summary["skipped_files"] == {}, summary
    assert not [p for p in (home / "inbox").iterdir() if p.is_file()], "the dead holder's file was taken over"
    assert query(home, "SELECT count(*) FROM submission")[0][0] == trial.files
    assert query(home, "SELECT count(*) FROM work_claim WHERE status = 'claimed'") == [(0,)]
