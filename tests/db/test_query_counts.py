"""Set-based SQL: planning a day's reminders, taking in a batch of files and summarising a half-year period
issue the same number of queries for 9 enterprises as for 120 (a query per enterprise would not show in a
9-enterprise test)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event

from campaign.calendar.clock import resolve_as_of
from campaign.cli.simulate import write_synthetic_config
from campaign.db.migrate import init_database
from campaign.db.session import dispose_engines, get_engine, session_scope


def queries(fn: Callable[[], object]) -> int:
    engine = get_engine()
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _home_with(n: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dispose_engines()
    monkeypatch.setenv("CAMPAIGN_HOME", str(tmp_path / f"home{n}"))
    monkeypatch.setenv("CAMPAIGN_CONFIG_DIR", str(write_synthetic_config(tmp_path / f"config{n}", n, seed=1)))
    init_database()


def _reminders() -> object:
    from campaign.reminders.batch import planned_reminders

    return planned_reminders(resolve_as_of("2023-05-24"), cancel_stale=True)  # T0 passed: overdue for all


def _half_year() -> object:
    from campaign.config.model import load_config
    from campaign.half_year.store import gather, progress_deliverable

    config = load_config()
    with session_scope() as session:
        return gather(session, config, progress_deliverable(config, "2023H1"), resolve_as_of("2023-07-20"))


def _intake_batch() -> object:
    """Three enterprises' task lists (one of them faulty) taken in as one batch, as an intake chunk does; each
    call takes the next three enterprises, so the measured call records new versions as the warm one did."""
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.intake.core import process_paths
    from campaign.simulation.data import enterprise_rows
    from campaign.simulation.files import build_file
    from notifications.channels import load_channels

    config = load_config()
    settings = get_settings()
    inbox = settings.home_dir / "inbox"
    years = sorted(config.final_review.years)
    done = len(list(inbox.glob("*"))) if inbox.is_dir() else 0  # move=False: earlier batches stay there
    paths = []
    for k, enterprise in enumerate(config.enterprises[done : done + 3]):
        rows = enterprise_rows(config, enterprise, 1, years)
        deliverable = config.deliverable("task-list-2023")
        path = build_file(config, enterprise, deliverable, rows, k == 2, settings.home_dir, inbox)
        assert path is not None
        paths.append(path)
    channels = load_channels(settings.apprise_config_path)
    return process_paths(paths, config, resolve_as_of("2023-05-19"), channels, move=False)


@pytest.mark.parametrize(
    "work", [_reminders, _half_year, _intake_batch], ids=["reminder-plan", "half-year-summary", "intake-batch"]
)
def test_query_count_does_not_grow_with_the_number_of_enterprises(work, tmp_path, monkeypatch):
    counts = {}
    for n in (9, 120):
        _home_with(n, tmp_path, monkeypatch)
        work()  # warm: the first call may create rows (e.g. nothing), the second is the one measured
        counts[n] = queries(work)
    dispose_engines()
    assert counts[9] > 3 and counts[9] == counts[120], counts
