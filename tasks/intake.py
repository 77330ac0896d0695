"""Intake tasks: list the inbox, take its files (one task run for all of them, whatever their number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.intake.core import Outcome, inbox_files, process_paths
from notifications.channels import load_channels


@task(name="scan-inbox", cache_policy=NO_CACHE)
def scan_inbox() -> list[str]:
    return [str(p) for p in inbox_files(get_settings().home_dir)]


@dataclass(frozen=True)
class TakenFiles:
    outcomes: list[Outcome]
    errors: dict[str, str]  # file name -> unexpected error (the file stays in the inbox)
    skipped: dict[str, str]  # file name -> why another worker has it (the file stays where it is)


# One task run per intake run, so the task runs of a day do not grow with the number of enterprises; inside
# it the files go in batches of campaign.intake.core.BATCH_SIZE, one commit each. Not retried: a failure
# inside a file is already a rejection; a crash leaves the uncommitted batch in the inbox for the next run,
# and the natural keys make that re-run harmless.
@task(name="take-inbox-files", cache_policy=NO_CACHE)
def take_files(paths: list[str], as_of: datetime) -> TakenFiles:
    config = load_config()
    channels = load_channels(get_settings().apprise_config_path)
    skipped: dict[str, str] = {}
    logger = get_run_logger()

    def progress(done: int, accepted: int, rejected: int) -> None:
        logger.info("%d of %d files: %d accepted, %d rejected", done, len(paths), accepted, rejected)

    outcomes, errors = process_paths(
        [Path(p) for p in paths], config, as_of, channels, move=True, skipped=skipped, progress=progress
    )
    for name, error in errors.items():
        logger.error("unexpected error on %s (left in the inbox): %s", name, error)
    for name, why in skipped.items():
        logger.warning("skipped %s: %s", name, why)
    return TakenFiles(outcomes, errors, skipped)
