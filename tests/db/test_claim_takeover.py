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
