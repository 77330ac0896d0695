"""Process-level setup for running flows from the CLI: Prefect environment defaults, quiet console."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path


def server_record(campaign_home: Path) -> Path:
    """Where `campaign serve` notes its Prefect server (API URL and pid) while it runs."""
    return campaign_home / "prefect" / "server.json"


def running_server(campaign_home: Path) -> str | None:
    """The API URL of the Prefect server `campaign serve` runs for this CAMPAIGN_HOME, if it answers now."""
    try:
        record = json.loads(server_record(campaign_home).read_text(encoding="utf-8"))
        api_url = str(record["api_url"])
        os.kill(int(record["pid"]), 0)  # the server process still exists
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return api_url if json.loads(resp.read() or b"false") is True else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prepare_prefect_environment(verbose: bool = False) -> None:
    """Call before importing prefect. Defaults only: anything the user set wins."""
    # A government network is usually closed; telemetry would only print connection errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        # Run logs still reach the Prefect API (the UI shows them); the terminal stays readable.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL", "WARNING")
    # `campaign serve` running for this CAMPAIGN_HOME: use its server rather than start an ephemeral one
    # per command (~10-20 s each here), and the runs show in the same UI.
    if "PREFECT_API_URL" not in os.environ:
        from campaign.config.settings import get_settings

        api_url = running_server(get_settings().home_dir)
        if api_url:
            os.environ["PREFECT_API_URL"] = api_url
    # The ephemeral server needs ~10-20 s on a 2-core machine; Prefect's default 20 s is too tight.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    home = os.environ.get("PREFECT_HOME")
    if home:
        # Prefect creates only the last path component and then fails to open its database.
        Path(home).expanduser().mkdir(parents=True, exist_ok=True)
