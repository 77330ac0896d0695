"""Campaign homes for the fault-injection trials, built once per session and copied for each trial.

Built in this process with the same functions the commands use (init, the intake core, delivery), so
a trial starts from a state the real system produced: synthetic enterprises (SIM0001…, the generator of
`campaign simulate --enterprises N`), their filed lists and completion reports as real workbooks, and
every message of the set-up already delivered (to the base's own outbox) so that a trial's counts are
the trial's alone.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from campaign.calendar.clock import resolve_as_of

SEED = 15
# Enough enterprises that every command runs for a few seconds (a kill lands inside the work, not only
# inside Python's start-up), few enough that a trial costs seconds, not minutes.
ENTERPRISES = 12


@contextmanager
def campaign_env(home: Path, config_dir: Path, apprise: Path | None = None) -> Iterator[None]:
    """CAMPAIGN_* pointed at `home` for code run in this process; engines closed afterwards so the
    database file can be copied."""
    from campaign.db.session import dispose_engines

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CAMPAIGN_HOME", str(home))
        mp.setenv("CAMPAIGN_CONFIG_DIR", str(config_dir))
        mp.delenv("CAMPAIGN_DATABASE_URL", raising=False)
        if apprise is None:
            mp.delenv("CAMPAIGN_APPRISE_CONFIG", raising=False)
        else:
            mp.setenv("CAMPAIGN_APPRISE_CONFIG", str(apprise))
        try:
            yield
        finally:
            dispose_engines()


def synthetic_config(root: Path) -> Path:
    from campaign.cli.simulate import write_synthetic_config

    return write_synthetic_config(root / "config", ENTERPRISES, SEED)


def _file_and_deliver(home: Path, deliverables: list[tuple[str, str]], work: Path) -> None:
    """File each (deliverable, as-of) for every enterprise through the intake core; deliver what it recorded."""
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.session import session_scope
    from campaign.intake.core import process_file
    from campaign.simulation.data import enterprise_rows
    from campaign.simulation.files import build_file
    from notifications.channels import load_channels
    from notifications.delivery import deliver_pending

    config = load_config()
    channels = load_channels(get_settings().apprise_config_path)
    rows = {e.code: enterprise_rows(config, e, SEED, [2023, 2024]) for e in config.enterprises}
    for deliverable, as_of in deliverables:
        moment = resolve_as_of(as_of)
        for enterprise in config.enterprises:
            d = config.deliverable(deliverable)
            path = build_file(config, enterprise, d, rows[enterprise.code], False, home, work / deliverable)
            assert path is not None, f"the simulation builds {deliverable}"
            outcome = process_file(path, config, moment, channels)
            assert outcome.accepted, (enterprise.code, deliverable, outcome.problems)
        with session_scope() as session:
            report = deliver_pending(session, channels, moment)
        assert not report.failed, report.failed


def build_bases(root: Path) -> dict[str, Path]:
    """Three starting points: `fresh` (initialised, nothing filed), `lists` (every enterprise's 2023 list
    accepted: the half-year opening and reminders for what is still owed), `completions` (lists and 2023
    完成情况 accepted: the annual assessment)."""
    from campaign.db.migrate import init_database

    config_dir = synthetic_config(root)
    bases: dict[str, Path] = {}
    fresh = root / "fresh"
    with campaign_env(fresh, config_dir):
        init_database()
    bases["fresh"] = fresh
    lists = root / "lists"
    shutil.copytree(fresh, lists)
    with campaign_env(lists, config_dir):
        _file_and_deliver(lists, [("task-list-2023", "2023-05-18")], root / "files")
    bases["lists"] = lists
    completions = root / "completions"
    shutil.copytree(lists, completions)
    with campaign_env(completions, config_dir):
        _file_and_deliver(completions, [("completion-2023", "2024-01-25")], root / "files")
    bases["completions"] = completions
    bases["config"] = config_dir
    with campaign_env(fresh, config_dir):
        bases["inbox"] = _inbox_files(root / "inbox")
    return bases


def _inbox_files(out: Path) -> Path:
    """What staff drop into the inbox in an intake trial: every enterprise's 2023 list (a quarter of them
    careless, so rejected) and a few deployment reports."""
    from campaign.config.model import load_config
    from campaign.simulation.data import enterprise_rows
    from campaign.simulation.files import build_file

    config = load_config()
    for i, enterprise in enumerate(config.enterprises):
        rows = enterprise_rows(config, enterprise, SEED, [2023, 2024])
        build_file(config, enterprise, config.deliverable("task-list-2023"), rows, i % 4 == 3, out, out)
        if i % 3 == 0:
            build_file(config, enterprise, config.deliverable("deployment-report-2023"), rows, False, out, out)
    return out
