"""Notification delivery with 1 vs 2 concurrent deliverer processes sharing one PostgreSQL database.

Shows what the row claims buy: the second deliverer adds throughput and nothing is sent twice.
Run by hand from the repository root:

    python bench/claims_deliver.py [--messages 2000]

Needs PostgreSQL on 127.0.0.1:5432 (CAMPAIGN_TEST_POSTGRES_URL to override the admin URL).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADMIN = os.environ.get("CAMPAIGN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _deliverer(env, keys, barrier, out):
    os.environ.update(env)
    from datetime import datetime

    import apprise

    from campaign.config.settings import get_settings
    from campaign.db.session import session_scope
    from notifications.channels import load_channels
    from notifications.delivery import deliver_pending

    channels = load_channels(get_settings().apprise_config_path)
    with session_scope() as s:
        s.execute(sa.text("SELECT 1"))
    apprise.Apprise().add("json://127.0.0.1:9/")
    barrier.wait()
    t0 = time.perf_counter()
    with session_scope() as s:
        report = deliver_pending(s, channels, datetime(2023, 5, 15, 1, 0, tzinfo=UTC), keys)
    out.put((len(report.sent), time.perf_counter() - t0))


def run(workers: int, messages: int, work: Path) -> dict:
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    name = f"campaign_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        os.environ["CAMPAIGN_DATABASE_URL"] = url
        from campaign.calendar.clock import resolve_as_of
        from campaign.db.migrate import upgrade_to_head
        from campaign.db.session import engine_for, session_scope
        from campaign.notices.message import OutgoingMessage
        from campaign.notices.store import record_messages
        from notifications.channels import parse_channels

        upgrade_to_head()
        msgs = [
            OutgoingMessage(key=f"bench-{i:05d}", kind="digest", recipient="sasac", title="t", body="b")
            for i in range(messages)
        ]
        with session_scope() as s:
            record_messages(s, msgs, parse_channels({"default": ["outbox://"]}), resolve_as_of("2023-05-15"))
        engine_for(url).dispose()
        ctx = multiprocessing.get_context("spawn")
        barrier, out = ctx.Barrier(workers + 1), ctx.Queue()
        procs = []
        for i in range(workers):
            box, conf = work / f"{name}-{i}", work / f"{name}-{i}.json"
            conf.write_text(json.dumps({"default": [f"outbox://{box}"]}))
            env = {"CAMPAIGN_DATABASE_URL": url, "CAMPAIGN_APPRISE_CONFIG": str(conf), "CAMPAIGN_HOME": str(work)}
            procs.append(ctx.Process(target=_deliverer, args=(env, [m.key for m in msgs], barrier, out)))
        for p in procs:
            p.start()
        barrier.wait()
        t0 = time.perf_counter()
        results = [out.get(timeout=600) for _ in procs]
        wall = time.perf_counter() - t0
        for p in procs:
            p.join()
        files = sum(len(list((work / f"{name}-{i}").glob("*.json"))) for i in range(workers))
        assert sum(n for n, _ in results) == messages == files, (results, files)
        return {
            "workers": workers,
            "messages": messages,
            "seconds": round(wall, 2),
            "per_second": round(messages / wall),
            "split": [n for n, _ in results],
        }
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = run(1, args.messages, Path(tmp))
        two = run(2, args.messages, Path(tmp))
    print(
        json.dumps({"one": one, "two": two, "speedup": round(one["seconds"] / two["seconds"], 2)}, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
