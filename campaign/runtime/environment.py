"""Process-level setup for running flows from the CLI: Prefect environment defaults, quiet console."""

from __future__ import annotations

import os
from pathlib import Path


def prepare_prefect_environment(verbose: bool = False) -> None:
    """Call before importing prefect. Defaults only: anything the user set wins."""
    # A government network is usually closed; telemetry would only print connection errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        # Run logs still reach the Prefect API (the UI shows them); the terminal stays readable.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL", "WARNING")
    # The ephemeral server needs ~10-20 s on a 2-core machine; Prefect's default 20 s is too tight.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    home = os.environ.get("PREFECT_HOME")
    if home:
        # Prefect creates only the last path component and then fails to open its database.
        Path(home).expanduser().mkdir(parents=True, exist_ok=True)
