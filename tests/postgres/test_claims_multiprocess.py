"""Two worker processes, one database: every inbox file processed and every notification sent exactly once.

Real processes (multiprocessing, spawn), a real database (PostgreSQL, and SQLite for the embedded
default), real side effects counted afterwards.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import queue
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from campaign.calendar.clock import resolve_as_of

FILES = 500
WORKERS = 2


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request, tmp_path, monkeypatch) -> dict[str, str]:
    """The environment of a migrated campaign database of the requested kind."""
    env = {"CAMPAIGN_HOME": str(tmp_path / "home")}
    if request.param == "postgresql":
        env["CAMPAIGN_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    if request.param == "sqlite":
        monkeypatch.delenv("CAMPAIGN_DATABASE_URL", raising=False)
    from campaign.db.migrate import upgrade_to_head

    upgrade_to_head()
    return env


def _run(target, args_for) -> list[dict]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args_for(i), barrier, results)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    out = []
    deadline = time.monotonic() + 240
    while len(out) < len(procs):
        try:
            out.append(results.get(timeout=1))
        except queue.Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not dead, f"a worker process died (exit codes {dead}); see its traceback above"
            assert time.monotonic() < deadline, "worker processes did not finish within 240 s"
    for p in procs:
        p.join(30)
        assert p.exitcode == 0, f"worker process failed with exit code {p.exitcode}"
    return out


@pytest.mark.postgres
def test_two_processes_process_each_of_500_inbox_files_exactly_once(database, tmp_path):
    from tests.support.claim_workers import inbox_worker

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(FILES):
        (inbox / f"DDK{i % 9 + 1:03d}_plan-2023_{i:03d}.docx").write_bytes(f"file {i}".encode())
    # The natural key of a file version: its name plus its content hash (the claim API's contract).
    keys = [f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()[:16]}" for p in sorted(inbox.iterdir())]
    effects = tmp_path / "effects.log"

    # Both walk the same list in the same order: every single file is contended.
    results = _run(inbox_worker, lambda i: (database, keys, str(effects)))

    lines = effects.read_text().splitlines()
    processed = Counter(line.split("\t")[0] for line in lines)
    assert len(lines) == FILES
    assert set(processed) == set(keys) and max(processed.values()) == 1
    assert sum(r["won"] for r in results) == FILES
    assert all(r["won"] + r["lost"] == FILES for r in results)
    assert all(r["won"] > 0 for r in results), f"one worker did everything, the race was not exercised: {results}"
    by_worker = Counter(line.split("\t")[1] for line in lines)
    assert by_worker == {r["worker"]: r["won"] for r in results}

    from campaign.db.session import get_engine

    with get_engine().connect() as conn:
        rows = conn.execute(
            sa.text("SELECT status, count(*) FROM work_claim WHERE kind = 'inbox' GROUP BY status")
        ).all()
    assert dict(rows) == {"done": FILES}


@pytest.mark.postgres
def test_two_deliverers_send_each_of_500_notifications_exactly_once(database, tmp_path):
    from campaign.db.session import get_engine, session_scope
    from campaign.notices.message import OutgoingMessage
    from campaign.notices.store import record_messages
    from notifications.channels import parse_channels
    from tests.support.claim_workers import delivery_worker

    as_of = resolve_as_of("2023-05-15")
    prefix = f"claimtest-{tmp_path.name}"
    messages = [
        OutgoingMessage(key=f"{prefix}-{i:03d}", kind="digest", recipient="sasac", title=f"测试 {i}", body="正文")
        for i in range(FILES)
    ]
    with session_scope() as session:
        assert record_messages(session, messages, parse_channels({"default": ["outbox://"]}, "test"), as_of) == FILES

    # Each deliverer writes to its own outbox directory, so a message sent twice shows up twice.
    outboxes, envs = [], []
    for i in range(WORKERS):
        box = tmp_path / f"outbox-{i}"
        conf = tmp_path / f"apprise-{i}.yaml"
        conf.write_text(json.dumps({"default": [f"outbox://{box}"], "recipients": {"sasac": [f"outbox://{box}"]}}))
        outboxes.append(box)
        envs.append({**database, "CAMPAIGN_APPRISE_CONFIG": str(conf)})
    keys = [msg.key for msg in messages]

    results = _run(delivery_worker, lambda i: (envs[i], keys, as_of.isoformat()))

    files = [json.loads(p.read_text(encoding="utf-8"))["key"] for box in outboxes for p in box.glob("*.json")]
    assert len(files) == FILES and set(files) == set(keys)
    sent = [k for r in results for k in r["sent"]]
    assert sorted(sent) == sorted(keys) and not any(r["failed"] for r in results)
    timing = [(r["worker"], len(r["sent"]), r["started"], r["ended"]) for r in results]
    assert all(r["sent"] for r in results), f"one deliverer did everything, the race was not exercised: {timing}"
    with get_engine().connect() as conn:
        rows = conn.execute(
            sa.text("SELECT key, status, attempts, claimed_by FROM notification WHERE key LIKE :p"),
            {"p": prefix + "-%"},
        ).all()
    assert len(rows) == FILES
    assert {(status, attempts) for _, status, attempts, _ in rows} == {("sent", 1)}
    claimed = {key: who for key, _, _, who in rows}
    for r in results:
        assert {k for k, who in claimed.items() if who == r["worker"]} == set(r["sent"])


def test_a_claim_whose_lease_ran_out_can_be_taken_over(initialized_home):
    from datetime import timedelta

    from campaign.db.claims import INBOX, claim, finish
    from campaign.db.session import session_scope

    t0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    with session_scope() as s:
        assert claim(s, INBOX, "a.docx:1", "w1", now=t0)
    with session_scope() as s:
        assert not claim(s, INBOX, "a.docx:1", "w2", now=t0 + timedelta(minutes=29))
    with session_scope() as s:
        assert claim(s, INBOX, "a.docx:1", "w2", now=t0 + timedelta(minutes=31))
    with session_scope() as s:
        assert not finish(s, INBOX, "a.docx:1", "w1"), "the dead worker's late finish must not count"
        assert finish(s, INBOX, "a.docx:1", "w2")
    with session_scope() as s:
        assert not claim(s, INBOX, "a.docx:1", "w3", now=t0 + timedelta(days=30)), "done is done"


def test_released_inbox_file_is_claimable_again(initialized_home):
    from campaign.db.claims import claim_inbox_file, release_inbox_file

    assert claim_inbox_file("b.xlsx:2", "w1")
    assert not claim_inbox_file("b.xlsx:2", "w2")
    assert not release_inbox_file("b.xlsx:2", "w2"), "only the owner can give a file back"
    assert release_inbox_file("b.xlsx:2", "w1")
    assert claim_inbox_file("b.xlsx:2", "w2")


def test_a_message_left_sending_by_a_dead_deliverer_is_taken_over_after_the_lease(initialized_home):
    from datetime import timedelta

    from campaign.db import models as m
    from campaign.db.session import session_scope
    from campaign.notices.message import OutgoingMessage
    from campaign.notices.store import record_messages
    from notifications.channels import parse_channels
    from notifications.delivery import SENDING_LEASE, claim_pending

    msg = OutgoingMessage(key="lease-test-1", kind="digest", recipient="sasac", title="t", body="b")
    t0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    with session_scope() as s:
        record_messages(s, [msg], parse_channels({"default": ["outbox://"]}), resolve_as_of("2023-05-15"))
        assert [n.key for n in claim_pending(s, "dead", ["lease-test-1"], now=t0)] == ["lease-test-1"]
        # the "dead" deliverer never reports back
        assert claim_pending(s, "w2", ["lease-test-1"], now=t0 + SENDING_LEASE - timedelta(seconds=1)) == []
        assert claim_pending(s, "dead", ["lease-test-1"], now=t0 + SENDING_LEASE * 2) == [], (
            "own claims wait for the call's end"
        )
        (taken,) = claim_pending(s, "w2", ["lease-test-1"], now=t0 + SENDING_LEASE + timedelta(seconds=1))
        assert taken.attempts == 2  # claims come back as plain values; the row says who holds it
        held = s.execute(
            sa.select(m.Notification.claimed_by, m.Notification.status).where(m.Notification.id == taken.id)
        ).one()
        assert tuple(held) == ("w2", "sending")


@pytest.mark.postgres
def test_two_intake_workers_process_each_of_500_inbox_files_exactly_once(database, tmp_path):
    """The real intake core in two processes over one inbox: 9 valid plans and 491 unidentifiable files."""
    from tests.support.claim_workers import intake_worker

    inbox = tmp_path / "home" / "inbox"
    inbox.mkdir(parents=True)
    for i in range(1, 10):
        (inbox / f"DDK{i:03d}_plan-2023.pdf").write_bytes(f"%PDF-1.4\n% plan of DDK{i:03d}\n%%EOF\n".encode())
    for i in range(FILES - 9):
        (inbox / f"scan_{i:03d}.pdf").write_bytes(f"%PDF-1.4\n% unnamed scan {i}\n%%EOF\n".encode())
    from campaign.db.migrate import init_database

    init_database()
    as_of = resolve_as_of(
        "2023-05-21T10:17"
    )  # unique in this test, so rows of other tests sharing the database are left out
    results = _run(intake_worker, lambda i: (database, as_of.isoformat()))

    names = [n for r in results for n in r["names"]]
    assert not any(r["errors"] for r in results)
    assert len(names) == FILES and len(set(names)) == FILES  # every file once, none twice
    assert all(r["names"] for r in results), (
        f"one worker did everything, the race was not exercised: {[len(r['names']) for r in results]}"
    )
    assert list(inbox.glob("*.pdf")) == []
    assert len(list((inbox / "processed").iterdir())) == 9 and len(list((inbox / "rejected").iterdir())) == FILES - 9
    workers = {"a": results[0]["worker"], "b": results[1]["worker"]}
    from campaign.db import models as m
    from campaign.db.session import session_scope

    with session_scope() as session:  # ORM queries: the aware-datetime column type converts `as_of` per dialect
        subs = session.execute(
            sa.select(m.Submission.status, sa.func.count())
            .where(m.Submission.received_at == as_of)
            .group_by(m.Submission.status)
        ).all()
        notes = session.execute(
            sa.select(m.Notification.kind, sa.func.count(), sa.func.count(sa.distinct(m.Notification.key)))
            .where(m.Notification.created_at == as_of)
            .group_by(m.Notification.kind)
        ).all()
        claims = session.execute(
            sa.select(m.WorkClaim.status, sa.func.count())
            .where(m.WorkClaim.kind == "inbox", m.WorkClaim.claimed_by.in_(list(workers.values())))
            .group_by(m.WorkClaim.status)
        ).all()
    assert dict(subs) == {"accepted": 9}  # unidentifiable files have no enterprise to file a version under
    assert {k: (n, d) for k, n, d in notes} == {"receipt": (9, 9), "rejection": (FILES - 9, FILES - 9)}
    assert dict(claims) == {"done": FILES}
