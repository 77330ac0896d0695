"""Database tasks: bring the schema to head and the configuration into the database."""
from __future__ import annotations

from prefect import task

from campaign.config.model import load_config
from campaign.db.migrate import upgrade_to_head
from campaign.db.session import session_scope
from campaign.db.sync import sync_config


@task(name="prepare-database", retries=2, retry_delay_seconds=2)
def prepare_database() -> dict:
    """Migrate to head and load config (both idempotent), so any flow can be the first one run."""
    config = load_config()
    upgrade_to_head()
    with session_scope() as session:
        report = sync_config(session, config)
    return {"enterprises_added": report.enterprises_added, "deliverables_added": report.deliverables_added}
