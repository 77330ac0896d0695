"""Helpers for the reminder tests: a test calendar crossing 国庆 2023, submissions, a run without Prefect."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from sqlalchemy import func, select

from campaign.calendar.clock import TZ, resolve_as_of
from campaign.config.settings import REPO_ROOT, get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.notices.store import record_messages
from campaign.reminders.batch import planned_reminders
from notifications.channels import load_channels
from notifications.delivery import deliver_pending

AUTUMN = "autumn-check-2023"


def config_with_autumn_deliverable(tmp_path: Path) -> Path:
    """The shipped config plus one deliverable due on the 调休 Sunday 2023-10-08 (after 国庆)."""
    target = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", target)
    raw = yaml.safe_load((target / "campaign.yaml").read_text(encoding="utf-8"))
    raw["deliverables"].append(
        {
            "id": AUTUMN,
            "title": "2023年三季度价值创造专项检查材料",
            "kind": "plan",
            "phase": "implementation",
            "year": 2023,
            "opens_on": "2023-09-01",
            "due": "2023-10-08",
            "file_kinds": ["docx"],
        }
    )
    (target / "campaign.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def add_submission(enterprise: str, deliverable: str, at: str, status: str, errors: list | None = None) -> None:
    received = datetime.fromisoformat(at).replace(tzinfo=TZ)
    with session_scope() as s:
        e = s.scalars(select(m.Enterprise).where(m.Enterprise.code == enterprise)).one()
        d = s.scalars(select(m.Deliverable).where(m.Deliverable.code == deliverable)).one()
        version = (
            s.scalar(
                select(func.max(m.Submission.version)).where(
                    m.Submission.enterprise_id == e.id, m.Submission.deliverable_id == d.id
                )
            )
            or 0
        ) + 1
        s.add(
            m.Submission(
                enterprise_id=e.id,
                deliverable_id=d.id,
                version=version,
                content_hash=hashlib.sha256(f"{enterprise}{deliverable}{version}".encode()).hexdigest(),
                original_name=f"{enterprise}_{deliverable}.docx",
                stored_path=None,
                size_bytes=1000,
                received_at=received,
                on_time=received.date() <= d.due,
                status=status,
                errors=errors or [],
            )
        )


def run_reminders_without_prefect(day: str, sleep=lambda s: None):
    """What the flow does, minus Prefect: plan, record, deliver. Returns (planned, delivery report)."""
    as_of = resolve_as_of(day)
    planned = planned_reminders(as_of, cancel_stale=True)
    channels = load_channels(get_settings().apprise_config_path)
    with session_scope() as s:
        record_messages(s, planned.messages, channels, as_of)
    with session_scope() as s:
        report = deliver_pending(s, channels, as_of, [msg.key for msg in planned.messages], sleep=sleep)
    return planned, report


def notifications(kind: str | None = None) -> list[m.Notification]:
    with session_scope() as s:
        q = select(m.Notification).order_by(m.Notification.id)
        if kind:
            q = q.where(m.Notification.kind == kind)
        return list(s.scalars(q))


class Receiver:
    """A real HTTP endpoint on 127.0.0.1 for Apprise's json:// plugin, failing on a schedule."""

    def __init__(self, token: str, fail: callable = lambda n: False):
        self.token, self.fail = token, fail
        self.requests = 0
        self.delivered: list[dict] = []  # payloads answered with 200
        self.rejected = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with receiver.lock:
                    receiver.requests += 1
                    n = receiver.requests
                    ok = self.path == f"/hook/{receiver.token}" and not receiver.fail(n)
                    if ok:
                        receiver.delivered.append(payload)
                    else:
                        receiver.rejected += 1
                self.send_response(200 if ok else 503)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_apprise_config(path: Path, port: int, extra: dict | None = None, delivery: dict | None = None) -> Path:
    """Apprise config whose URL carries the token as ${REMINDER_TEST_TOKEN}, read from the environment."""
    raw = {
        "default": [f"json://127.0.0.1:{port}/hook/${{REMINDER_TEST_TOKEN}}"],
        "recipients": {"sasac": [f"json://127.0.0.1:{port}/hook/${{REMINDER_TEST_TOKEN}}"], **(extra or {})},
        "delivery": {"attempts_per_run": 2, "backoff_seconds": 0.01, "max_backoff_seconds": 0.05, **(delivery or {})},
    }
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def database_text() -> str:
    """Every row of every table as text: where a leaked secret would show up."""
    import sqlalchemy as sa

    from campaign.db.session import get_engine

    engine = get_engine()
    chunks = []
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            chunks.extend(repr(tuple(row)) for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')))
    return "\n".join(chunks)
