"""Runtime settings from the environment (CAMPAIGN_*), read at call time so tests can switch homes."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAMPAIGN_", extra="ignore")

    home: Path = Path("var")
    database_url: str | None = None
    config_dir: Path = REPO_ROOT / "config"
    apprise_config: Path | None = None
    # Files larger than this are rejected before they are opened (intake).
    max_upload_bytes: int = 20 * 1024 * 1024

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def outbox_dir(self) -> Path:
        return self.home_dir / "outbox"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'campaign.db'}"

    @property
    def apprise_config_path(self) -> Path:
        return self.apprise_config or self.config_dir / "apprise.yaml"


def get_settings() -> Settings:
    return Settings()
