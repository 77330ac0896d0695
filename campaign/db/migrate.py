"""Run Alembic migrations programmatically (used by `campaign init` and every flow's first task)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from campaign.config.settings import REPO_ROOT
from campaign.db.session import get_engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    return cfg


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_to_head() -> None:
    """Bring the schema to the newest revision. Every flow's first task calls this: a database already at
    head costs one query instead of Alembic loading its environment and every migration script."""
    cfg = alembic_config()
    with get_engine().begin() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head_revision():
            return
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


@dataclass(frozen=True)
class DatabaseReady:
    enterprises: int
    deliverables: int
    enterprises_added: int
    enterprises_deactivated: int
    deliverables_added: int


def init_database() -> DatabaseReady:
    """Migrate to the newest schema and load config/ (idempotent: natural keys, nothing duplicated)."""
    from sqlalchemy.exc import OperationalError

    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.session import safe_url, session_scope
    from campaign.db.sync import sync_config
    from campaign.errors import DatabaseUnavailable

    config = load_config()
    try:
        upgrade_to_head()
    except (OperationalError, OSError) as exc:
        settings = get_settings()
        raise DatabaseUnavailable(
            f"无法打开业务数据库（{safe_url(settings.sqlalchemy_url)}）：{type(exc).__name__}。"
            "请检查 CAMPAIGN_DATABASE_URL 指向的数据库服务是否可达、CAMPAIGN_HOME 目录是否可写。"
        ) from exc
    with session_scope() as session:
        report = sync_config(session, config)
    return DatabaseReady(
        len(config.enterprises),
        len(config.deliverables),
        report.enterprises_added,
        report.enterprises_deactivated,
        report.deliverables_added,
    )
