"""Worker processes for the multi-process claim tests (top-level functions: started with `spawn`)."""

from __future__ import annotations

import os


def _environment(env: dict[str, str]) -> None:
    for var in ("CAMPAIGN_HOME", "CAMPAIGN_DATABASE_URL", "CAMPAIGN_APPRISE_CONFIG"):
        os.environ.pop(var, None)
    os.environ.update(env)


def _warm_up() -> None:
    """Connect and load Apprise's plugins before the start line, so both workers race from t=0
    (otherwise a slow first connection lets one worker finish everything alone)."""
    import apprise
    from sqlalchemy import text

    from campaign.db.session import session_scope

    with session_scope() as session:
        session.execute(text("SELECT 1"))
    apprise.Apprise().add("json://127.0.0.1:9/")


def inbox_worker(env: dict[str, str], keys: list[str], effects_log: str, barrier, results) -> None:
    """Process every inbox file this worker wins; the side effect is one appended line per file."""
    _environment(env)
    from campaign.db.claims import claim_inbox_file, finish_inbox_file, worker_identity

    me = worker_identity()
    won = lost = 0
    fd = os.open(effects_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    _warm_up()
    barrier.wait(60)
    try:
        for key in keys:
            if claim_inbox_file(key, me):
                os.write(fd, f"{key}\t{me}\n".encode())  # one write(2) per line: O_APPEND keeps lines whole
                assert finish_inbox_file(key, me), f"lost the claim on {key}"
                won += 1
            else:
                lost += 1
    finally:
        os.close(fd)
    results.put({"worker": me, "won": won, "lost": lost})


def delivery_worker(env: dict[str, str], keys: list[str], as_of_iso: str, barrier, results) -> None:
    """Deliver pending notifications through this worker's own outbox directory."""
    _environment(env)
    from datetime import datetime

    from campaign.config.settings import get_settings
    from campaign.db.claims import worker_identity
    from campaign.db.session import session_scope
    from notifications.channels import load_channels
    from notifications.delivery import deliver_pending

    me = worker_identity()
    channels = load_channels(get_settings().apprise_config_path)
    _warm_up()
    barrier.wait(60)
    import time

    started = time.time()
    with session_scope() as session:
        report = deliver_pending(session, channels, datetime.fromisoformat(as_of_iso), keys, worker=me)
    results.put({"worker": me, "sent": report.sent, "failed": report.failed, "started": started, "ended": time.time()})


def intake_worker(env: dict[str, str], as_of_iso: str, barrier, results) -> None:
    """Run the real intake core over the shared inbox, as a second worker on another machine would."""
    _environment(env)
    from datetime import datetime

    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.claims import worker_identity
    from campaign.intake.core import inbox_files, process_paths
    from notifications.channels import load_channels

    me = worker_identity()
    config, channels = load_config(), load_channels(get_settings().apprise_config_path)
    barrier.wait(60)
    outcomes, errors = process_paths(
        inbox_files(get_settings().home_dir), config, datetime.fromisoformat(as_of_iso), channels, worker=me
    )
    results.put({"worker": me, "names": [o.name for o in outcomes], "errors": errors})
