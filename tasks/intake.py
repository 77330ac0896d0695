"""Intake tasks: list the inbox, process a chunk of files (one task run per chunk, never per file)."""

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


# Not retried: a failure inside a file is already a rejection; a crash leaves the file in the inbox
# for the next run, and the natural keys make that re-run harmless.
@dataclass(frozen=True)
class ChunkResult:
    outcomes: list[Outcome]
    errors: dict[str, str]  # file name -> unexpected error (the file stays in the inbox)
    skipped: dict[str, str]  # file name -> why another worker has it (the file stays where it is)


@task(name="intake-chunk", cache_policy=NO_CACHE)
def intake_chunk(paths: list[str], as_of: datetime) -> ChunkResult:
    config = load_config()
    channels = load_channels(get_settings().apprise_config_path)
    skipped: dict[str, str] = {}
    outcomes, errors = process_paths([Path(p) for p in paths], config, as_of, channels, move=True, skipped=skipped)
    logger = get_run_logger()
    logger.info(
        "chunk of %d files: %d accepted, %d rejected, %d errors",
        len(paths),
        sum(o.accepted for o in outcomes),
        sum(not o.accepted for o in outcomes),
        len(errors),
    )
    for name, error in errors.items():
        logger.error("unexpected error on %s (left in the inbox): %s", name, error)
    for name, why in skipped.items():
        logger.warning("skipped %s: %s", name, why)
    return ChunkResult(outcomes, errors, skipped)
