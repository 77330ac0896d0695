"""Database task: bring the schema to head and the configuration into the database."""

from __future__ import annotations

from prefect import Task, task
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.migrate import DatabaseReady, init_database
from campaign.errors import CampaignError
from notifications.channels import check_recipients, load_channels


def _transient(task: Task, task_run: TaskRun, state: State) -> bool:
    """Retry a locked or briefly unreachable database, never a configuration someone must fix."""
    try:
        state.result()
    except CampaignError:
        return False
    except Exception:  # noqa: BLE001 - anything else may pass on a retry
        return True
    return False


@task(name="prepare-database", retries=2, retry_delay_seconds=2, retry_condition_fn=_transient)
def prepare_database() -> DatabaseReady:
    """Migrate to head and load config (both idempotent), so any flow can be the first one run; refuse a
    channel configuration whose recipients are not enterprises."""
    ready = init_database()
    path = get_settings().apprise_config_path
    check_recipients(load_channels(path), load_config(), path.name)
    return ready
