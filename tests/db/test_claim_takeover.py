"""A file whose worker was killed is taken over at once, not after the 30-minute lease; a live owner keeps it."""

from __future__ import annotations

import socket
import subprocess
import sys

from campaign.db import models as m
from campaign.db.claims import INBOX, claim_inbox_file, owner_gone, wall_clock
from campaign.db.session import session_scope


def _claimed_by(owner: str, key: str) -> None:
    with session_scope() as session:
        session.add(m.WorkClaim(kind=INBOX, key=key, status="claimed", claimed_by=owner, claimed_at=wall_clock()))


def test_a_claim_of_a_process_that_exited_is_taken_over_at_once(initialized_home):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # exited and reaped: its pid names no process now
    owner = f"{socket.gethostname()}:{dead.pid}:abc123"
    assert owner_gone(owner)
    _claimed_by(owner, "a.xlsx:hash1")
    assert claim_inbox_file("a.xlsx:hash1", "me:1:x") is True
    assert claim_inbox_file("a.xlsx:hash1", "other:2:y") is False  # and now it is ours, lease fresh


def test_a_live_owner_or_another_host_keeps_its_claim_until_the_lease_ends(initialized_home):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        _claimed_by(f"{socket.gethostname()}:{alive.pid}:abc", "b.xlsx:hash2")
        assert claim_inbox_file("b.xlsx:hash2", "me:1:x") is False
    finally:
        alive.kill()
        alive.wait()
    _claimed_by("some-other-host:1:zzz", "c.xlsx:hash3")  # we cannot see another machine's processes
    assert not owner_gone("some-other-host:1:zzz")
    assert claim_inbox_file("c.xlsx:hash3", "me:1:x") is False


def test_messages_left_sending_by_a_deliverer_that_exited_go_out_on_the_next_run(initialized_home):
    from campaign.calendar.clock import resolve_as_of
    from campaign.notices.message import OutgoingMessage
    from campaign.notices.store import record_messages
    from notifications.channels import parse_channels
    from notifications.delivery import deliver_pending

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    channels = parse_channels({"default": ["outbox://"]})
    as_of = resolve_as_of("2023-05-15")
    with session_scope() as session:
        record_messages(session, [OutgoingMessage("digest:test:1", "digest", "sasac", "标题", "正文")], channels, as_of)
        note = session.query(m.Notification).one()
        note.status, note.claimed_by, note.claimed_at = "sending", f"{socket.gethostname()}:{dead.pid}:x", wall_clock()
    with session_scope() as session:
        report = deliver_pending(session, channels, as_of)
    assert report.sent == ["digest:test:1"]  # not 10 minutes later
    with session_scope() as session:
        assert session.query(m.Notification).one().status == "sent"
