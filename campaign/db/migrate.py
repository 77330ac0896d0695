"""Run Alembic migrations programmatically (used by `campaign init` and every flow's first task)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from campaign.db.session import get_engine
from campaign.settings import REPO_ROOT


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    return cfg


def upgrade_to_head() -> None:
    cfg = alembic_config()
    with get_engine().begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
