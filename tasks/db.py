"""Database task: bring the schema to head and the configuration into the database."""

from __future__ import annotations

from prefect import task

from campaign.db.migrate import DatabaseReady, init_database


@task(name="prepare-database", retries=2, retry_delay_seconds=2)
def prepare_database() -> DatabaseReady:
    """Migrate to head and load config (both idempotent), so any flow can be the first one run."""
    return init_database()
