"""Intake, reminders, a half-year opening and the annual assessment, each SIGKILLed at seeded points and
rerun: every inbox file is exactly one submission, every recorded message is delivered exactly once or
marked failed, no process is left behind, an assessment is complete or absent.

`CAMPAIGN_RELIABILITY_TRIALS` (default 1, with CHAIN 1: the 15-minute budget) is the number of kills per command;
the long version is 20.
`CAMPAIGN_RELIABILITY_REPORT=path.jsonl` writes one line per trial (the figures in docs/reliability.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict

import pytest

from tests.reliability.scenarios import CHAIN, SCENARIOS, Trial, run_trial

KILLS = int(os.environ.get("CAMPAIGN_RELIABILITY_TRIALS", "1"))
KINDS = list(SCENARIOS)
# The first check of each command runs its trials (a run costs 5-30 s on a busy 2-core machine).
pytestmark = pytest.mark.timeout(max(600, 150 * KILLS))


@pytest.fixture(scope="session")
def trials(tmp_path_factory, bases, receiver, prefect_api_url):
    """Trials per command, run once for the session and shared by the checks below."""
    root = tmp_path_factory.mktemp("reliability-trials")
    env = {**os.environ, "PREFECT_API_URL": prefect_api_url}
    env.pop("CAMPAIGN_DATABASE_URL", None)
    done: dict[str, list[Trial]] = {}
    report = os.environ.get("CAMPAIGN_RELIABILITY_REPORT")

    def of(kind: str) -> list[Trial]:
        if kind not in done:
            homes = max(1, -(-KILLS // CHAIN))  # CHAIN kills per home, then a run to the end
            done[kind] = [run_trial(SCENARIOS[kind], seed, root, bases, receiver, env) for seed in range(homes)]
            if report:
                with open(report, "a", encoding="utf-8") as fh:
                    for t in done[kind]:
                        fh.write(json.dumps(_figures(t), ensure_ascii=False) + "\n")
        return done[kind]

    return of


def _figures(t: Trial) -> dict:
    d = t.delivered
    return {
        "kind": t.kind,
        "seed": t.seed,
        "kills": t.kills,
        "points": [r.point for r in t.runs],
        "seconds": [r.elapsed for r in t.runs],
        "peak_rss_mb": max(r.peak_rss_mb for r in t.runs),
        "files": t.files,
        "leftover": t.leftover,
        "after_kill": t.after_kill,
        "final": t.final,
        "deliveries": asdict(d) if d else None,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_killed_commands_leave_no_process_behind(trials, kind):
    runs = [r for t in trials(kind) for r in t.runs]
    assert sum(r.killed for r in runs) >= 1, f"no {kind} run was killed: the kill points never came"
    left = {f"{r.point}": r.leftover for r in runs if r.leftover}
    assert not left, f"processes left behind by killed or finished `campaign {' '.join(runs[0].argv)}`: {left}"


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_is_half_written_after_a_kill(trials, kind):
    problems = [p for t in trials(kind) for p in t.after_kill]
    assert not problems, problems


@pytest.mark.parametrize("kind", KINDS)
def test_the_rerun_does_the_work_exactly_once(trials, kind):
    problems = {f"{t.kind}-{t.seed}": t.final for t in trials(kind) if t.final}
    assert not problems, problems


@pytest.mark.parametrize("kind", KINDS)
def test_every_recorded_message_is_delivered_exactly_once_or_marked_failed(trials, kind):
    for t in trials(kind):
        d = t.delivered
        assert d is not None and d.recorded > 0, f"{kind}-{t.seed}: no messages recorded"
        assert d.unmatched == 0, f"{kind}-{t.seed}: {d.unmatched} received messages match no recorded row"
        assert not d.duplicated, f"{kind}-{t.seed}: delivered more than once: {d.duplicated}"
        assert not d.undelivered, (
            f"{kind}-{t.seed}: {d.lost} of {d.recorded} neither delivered nor failed: {d.undelivered}"
        )
