"""Runtime settings from the environment (CAMPAIGN_*), read at call time so tests can switch homes."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_ENV = "CAMPAIGN_WEB_SECRET"
SECRET_FILE = "web-secret"


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


def server_secret(home: Path | None = None) -> str:
    """CAMPAIGN_WEB_SECRET; without it, a random secret kept in CAMPAIGN_HOME/web-secret (mode 0600).

    The one server-side key: it signs the portal's links and sessions and the hidden `_meta` sheet of
    every workbook the system sends out (so a returned file cannot claim another enterprise).

    The file is the embedded default: one machine where the portal and the flows share CAMPAIGN_HOME.
    Several machines must share CAMPAIGN_WEB_SECRET, or links signed on one are refused on another.
    """
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        if len(value) < 32:
            raise ValueError(
                f"环境变量 {SECRET_ENV} 太短（至少 32 个字符），请用 "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"` 生成'
            )
        return value
    path = (home or get_settings().home_dir) / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()
