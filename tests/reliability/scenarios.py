"""The four commands the fault-injection trials kill, what each must leave after a kill and after a rerun.

A trial: a fresh copy of a base home, `CHAIN` runs of the command each SIGKILLed at a seeded point (the
second kills the run that was recovering from the first), then one run to the end. Checks after every
kill: no process left behind, nothing half-written (an assessment is complete or absent). Checks after
the run to the end: the work done exactly once, every recorded message delivered once or marked failed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.harness import (
    Deliveries,
    KillPoint,
    Receiver,
    Run,
    after,
    deliveries,
    query,
    run_command,
    seeded,
    when,
)
from tests.reliability.homes import ENTERPRISES

YEAR = 2023
REVIEWER = "可靠性测试审核人"
# Kills per home before the run to the end. 1 in the normal suite (its 15-minute budget on 2 cores); the long
# version (CHAIN=4, docs/reliability.md) also kills the runs recovering from an earlier kill.
CHAIN = int(os.environ.get("CAMPAIGN_RELIABILITY_CHAIN", "1"))


@dataclass
class Trial:
    kind: str
    seed: int
    home: Path
    runs: list[Run] = field(default_factory=list)
    after_kill: list[str] = field(default_factory=list)  # what was half-written after a kill
    final: list[str] = field(default_factory=list)  # what the run to the end left wrong
    delivered: Deliveries | None = None
    files: int = 0  # inbox files (intake), templates (half-year), scored enterprises (assessment)
    # Where the current run started from, so a kill point counts this run's progress, not the last one's.
    received_before: int = 0
    moved_before: int = 0
    started_at: float = 0.0  # wall clock (file mtimes)
    run_id_before: str | None = None
    reviewer: Reviewer | None = None

    @property
    def kills(self) -> int:
        return sum(r.killed for r in self.runs)

    @property
    def leftover(self) -> list[str]:
        return [p for r in self.runs for p in r.leftover]


@dataclass
class Scenario:
    kind: str
    base: str
    argv: list[str]
    points: Callable[[Trial, Receiver], list[KillPoint]]
    final_check: Callable[[Trial], list[str]]
    kill_check: Callable[[Trial], list[str]] = lambda trial: []
    prepare: Callable[[Trial, dict[str, Path]], None] = lambda trial, bases: None
    reviewed: bool = False  # the command pauses for SASAC's review (the annual assessment)


def _pick(rng, i: int, named: list[KillPoint], delay: KillPoint) -> KillPoint:
    """The first kill of a home lands inside the work (a named point), so every home injects a fault that
    matters; later ones anywhere, a seeded delay included (start-up, or a recovery half done)."""
    return rng.choice(named if i == 0 else [*named, delay])


# -- intake -----------------------------------------------------------------------------------------


def _inbox(home: Path) -> Path:
    return home / "inbox"


def _moved(home: Path) -> int:
    return sum(1 for d in ("processed", "rejected") for p in (_inbox(home) / d).glob("*") if p.is_file())


def _prepare_intake(trial: Trial, bases: dict[str, Path]) -> None:
    inbox = _inbox(trial.home)
    inbox.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(sorted(bases["inbox"].iterdir())):
        target = inbox / path.name
        shutil.copyfile(path, target)
        os.utime(target, ns=(1_700_000_000_000_000_000 + i, 1_700_000_000_000_000_000 + i))  # arrival order
        trial.files += 1


def _intake_points(trial: Trial, receiver: Receiver) -> list[KillPoint]:
    rng, home, name = seeded(trial.kind, trial.seed), trial.home, trial.home.name
    points = []
    for i in range(CHAIN):
        k = rng.randint(1, trial.files - 1)
        named = [
            when(f"{k} files moved out of the inbox", lambda k=k: _moved(home) - trial.moved_before >= k),
            when(f"{k} messages received", lambda k=k: receiver.count(name) - trial.received_before >= k),
        ]
        points.append(_pick(rng, i, named, after(rng.uniform(1.0, 12.0))))
    return points


def _intake_final(trial: Trial) -> list[str]:
    home, problems = trial.home, []
    left = [p.name for p in _inbox(home).iterdir() if p.is_file()]
    if left:
        problems.append(f"still in the inbox: {left}")
    if _moved(home) != trial.files:
        problems.append(f"{_moved(home)} files in processed/ and rejected/ for {trial.files} dropped")
    hashes = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for d in ("processed", "rejected")
        for p in (_inbox(home) / d).glob("*")
    }
    for digest in sorted(hashes):
        n = query(home, "SELECT count(*) FROM submission WHERE content_hash = ?", (digest,))[0][0]
        if n != 1:
            problems.append(f"file {digest[:12]} is {n} submissions")
    total = query(home, "SELECT count(*) FROM submission")[0][0]
    if total != trial.files:
        problems.append(f"{total} submissions for {trial.files} files")
    return problems


# -- reminders --------------------------------------------------------------------------------------

REMIND_AS_OF = "2023-05-19"  # the last working day before the 2023-05-22 deadline: three items owed each


def _reminder_points(trial: Trial, receiver: Receiver) -> list[KillPoint]:
    rng, name = seeded(trial.kind, trial.seed), trial.home.name
    points = []
    for i in range(CHAIN):
        k = rng.randint(1, 3 * ENTERPRISES)
        named = [when(f"{k} messages received", lambda k=k: receiver.count(name) - trial.received_before >= k)]
        points.append(_pick(rng, i, named, after(rng.uniform(1.0, 12.0))))
    return points


def _reminders_final(trial: Trial) -> list[str]:
    # Each enterprise owes three items on this day (its list was accepted): one reminder each, once.
    rows = query(trial.home, "SELECT count(*), count(DISTINCT key) FROM notification WHERE kind = 'reminder'")[0]
    expected = 3 * ENTERPRISES
    return [] if rows == (expected, expected) else [f"{rows[0]} reminder rows ({rows[1]} keys), {expected} due"]


# -- half-year opening ------------------------------------------------------------------------------

HALF_YEAR_AS_OF = "2023-06-20"


def _templates(home: Path) -> list[Path]:
    return sorted((home / "outgoing" / "progress-2023h1").glob("*.xlsx"))


def _written_since(home: Path, started: float) -> int:
    count = 0
    for p in _templates(home):
        try:
            count += p.stat().st_mtime >= started
        except FileNotFoundError:  # replaced meanwhile
            pass
    return count


def _half_year_points(trial: Trial, receiver: Receiver) -> list[KillPoint]:
    rng, home, name = seeded(trial.kind, trial.seed), trial.home, trial.home.name
    points = []
    for i in range(CHAIN):
        k = rng.randint(1, ENTERPRISES - 1)
        named = [
            when(f"{k} templates written", lambda k=k: _written_since(home, trial.started_at) >= k),
            when(f"{k} notices received", lambda k=k: receiver.count(name) - trial.received_before >= k),
        ]
        points.append(_pick(rng, i, named, after(rng.uniform(1.0, 12.0))))
    return points


def _readable_workbook(path: Path) -> str | None:
    """None when `path` is a whole workbook; else what is wrong (a kill mid-save leaves a truncated zip)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
        if bad:
            return f"{path.name}: damaged member {bad}"
        load_workbook(path, read_only=True).close()
    except Exception as exc:  # noqa: BLE001 - any failure to open is the finding
        return f"{path.name}: {type(exc).__name__}: {exc}"[:200]
    return None


def _half_year_final(trial: Trial) -> list[str]:
    templates = _templates(trial.home)
    trial.files = len(templates)
    problems = [p for p in map(_readable_workbook, templates) if p]
    if len(templates) != ENTERPRISES:
        problems.append(f"{len(templates)} templates for {ENTERPRISES} enterprises")
    notices = query(trial.home, "SELECT count(*) FROM notification WHERE key LIKE 'notice:progress-2023h1:%'")[0][0]
    if notices != ENTERPRISES:
        problems.append(f"{notices} notices for {ENTERPRISES} enterprises")
    return problems


# -- annual assessment ------------------------------------------------------------------------------

ASSESS_AS_OF = "2024-02-05"


def _assessment_state(home: Path) -> tuple[str | None, str | None]:
    row = query(home, "SELECT status, flow_run_id FROM assessment WHERE year = ?", (YEAR,))
    return (row[0][0], row[0][1]) if row else (None, None)


def _paused(run_id: str) -> bool:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    return state is not None and state.is_paused()


class Reviewer:
    """SASAC's reviewer: approves the run that pauses for review (what `campaign resume` does, through
    the same function), at most once per run of the command; polled every 0.5 s while it runs."""

    def __init__(self, home: Path, answered: set[str]) -> None:
        self.home, self.answered = home, answered  # runs already approved (or killed while paused)
        self.approved_at: float | None = None
        self._next = 0.0

    def __call__(self) -> None:
        from campaign.cli.assessment import resume_review

        now = time.monotonic()
        if self.approved_at is not None or now < self._next:
            return
        self._next = now + 0.5
        status, run_id = _assessment_state(self.home)
        if status == "awaiting_review" and run_id and run_id not in self.answered and _paused(run_id):
            self.answered.add(run_id)
            resume_review(YEAR, REVIEWER, run_id=run_id)
            self.approved_at = now

    def approved_for(self, seconds: float) -> bool:
        return self.approved_at is not None and time.monotonic() - self.approved_at >= seconds


def _assessment_points(trial: Trial, receiver: Receiver) -> list[KillPoint]:
    rng, home, name = seeded(trial.kind, trial.seed), trial.home, trial.home.name

    def paused() -> bool:
        status, run_id = _assessment_state(home)
        return status == "awaiting_review" and run_id != trial.run_id_before

    def approved_for(seconds: float) -> bool:
        return trial.reviewer is not None and trial.reviewer.approved_for(seconds)

    points = []
    for _ in range(CHAIN):
        delay = rng.uniform(0.0, 12.0)
        k = rng.randint(1, ENTERPRISES)
        points.append(
            rng.choice(
                [
                    after(rng.uniform(1.0, 15.0)),
                    when("paused for review", paused),
                    when(
                        f"{delay:.2f} s after approval",
                        lambda d=delay: bool(trial.reviewer and trial.reviewer.approved_for(d)),
                    ),
                    when(f"{k} result notices received", lambda k=k: receiver.count(name) - trial.received_before >= k),
                ]
            )
        )
    return points


def _assessment_complete_or_absent(trial: Trial) -> list[str]:
    """Scores: every enterprise's rows or none; results: all enterprises, only once final."""
    home, problems = trial.home, []
    status, _ = _assessment_state(home)
    scored = dict(
        query(
            home,
            "SELECT e.code, count(*) FROM assessment_score s JOIN enterprise e ON e.id = s.enterprise_id "
            "GROUP BY e.code",
        )
    )
    filed = dict(
        query(
            home,
            "SELECT e.code, count(t.id) FROM submission s JOIN deliverable d ON d.id = s.deliverable_id "
            "JOIN enterprise e ON e.id = s.enterprise_id JOIN task_item t ON t.submission_id = s.id "
            "WHERE d.code = 'completion-2023' AND s.status = 'accepted' GROUP BY e.code",
        )
    )
    if scored and scored != filed:
        problems.append(f"half-scored: {len(scored)} of {len(filed)} enterprises, rows {scored} vs {filed}")
    results = query(home, "SELECT count(*), count(grade), count(total) FROM assessment_result")[0]
    if results[0] not in (0, len(filed)) or len(set(results)) != 1:
        problems.append(f"half-written results: {results} for {len(filed)} enterprises (status {status})")
    if (results[0] > 0) != (status == "final"):
        problems.append(f"status {status} with {results[0]} results")
    return problems


def _assessment_final(trial: Trial) -> list[str]:
    home = trial.home
    problems = _assessment_complete_or_absent(trial)
    status, _ = _assessment_state(home)
    if status != "final":
        problems.append(f"assessment {status} after the run to the end")
    trial.files = query(home, "SELECT count(*) FROM assessment_result")[0][0]
    out = home / "reports" / f"assessment-{YEAR}"
    for name in (f"{YEAR}年度考核结果（经营业绩考核挂钩）.xlsx", f"{YEAR}年度考核报告.html"):
        if not (out / name).is_file():
            problems.append(f"missing {name}")
    problems += [p for p in map(_readable_workbook, sorted(out.rglob("*.xlsx"))) if p]
    notices = query(home, "SELECT count(*) FROM notification WHERE kind = 'result'")[0][0]
    if notices != ENTERPRISES:
        problems.append(f"{notices} result notices for {ENTERPRISES} enterprises")
    return problems


SCENARIOS = {
    "intake": Scenario(
        "intake",
        "fresh",
        ["run", "intake", "--as-of", "2023-05-20"],
        _intake_points,
        _intake_final,
        prepare=_prepare_intake,
    ),
    "reminders": Scenario(
        "reminders", "lists", ["remind", "--as-of", REMIND_AS_OF], _reminder_points, _reminders_final
    ),
    "half-year": Scenario(
        "half-year",
        "lists",
        ["half-year", "2023H1", "--mode", "open", "--as-of", HALF_YEAR_AS_OF],
        _half_year_points,
        _half_year_final,
    ),
    "assessment": Scenario(
        "assessment",
        "completions",
        ["assess", str(YEAR), "--as-of", ASSESS_AS_OF],
        _assessment_points,
        _assessment_final,
        kill_check=_assessment_complete_or_absent,
        reviewed=True,
    ),
}


def run_trial(
    scenario: Scenario, seed: int, root: Path, bases: dict[str, Path], receiver: Receiver, env: dict[str, str]
) -> Trial:
    name = f"{scenario.kind}-{seed}"
    home = root / name
    shutil.copytree(bases[scenario.base], home)
    trial = Trial(scenario.kind, seed, home)
    scenario.prepare(trial, bases)
    base_rows = query(home, "SELECT coalesce(max(id), 0) FROM notification")[0][0]
    codes = [f"SIM{i:04d}" for i in range(1, ENTERPRISES + 1)] + ["sasac"]
    env = {
        **env,
        "CAMPAIGN_HOME": str(home),
        "CAMPAIGN_CONFIG_DIR": str(bases["config"]),
        "CAMPAIGN_APPRISE_CONFIG": str(receiver.apprise_yaml(root / f"{name}.apprise.yaml", name, codes)),
    }
    answered: set[str] = set()
    for point in [*scenario.points(trial, receiver), None]:
        trial.received_before, trial.moved_before = receiver.count(name), _moved(home)
        trial.started_at, trial.run_id_before = time.time(), _assessment_state(home)[1]
        trial.reviewer = Reviewer(home, answered) if scenario.reviewed else None
        run = run_command(scenario.argv, env, point, during=trial.reviewer)
        trial.runs.append(run)
        if point is not None:
            trial.after_kill += [f"after kill {len(trial.runs)} ({run.point}): {p}" for p in scenario.kill_check(trial)]
    trial.final = scenario.final_check(trial)
    if trial.runs[-1].returncode != 0:
        trial.final.append(f"the run to the end exited {trial.runs[-1].returncode}: {trial.runs[-1].stderr[-800:]}")
    trial.delivered = deliveries(home, receiver.for_trial(name), since_id=base_rows)
    return trial
