"""Every run that delivers first sweeps what earlier runs left (issue 15 item 1).

An interrupted run leaves messages 'pending' (recorded, never sent) or 'sending' (claimed by a
deliverer that died). The next run's delivery takes them all, oldest first, whatever flow recorded
them: pending ones, and 'sending' ones whose owner is gone (this host) or whose lease has run out
(any host). A live deliverer's claim is left alone. A reminder whose reason is gone (the enterprise
has filed since, or a later reminder superseded it) is cancelled instead of going out late.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta

import pytest

from campaign.calendar.clock import resolve_as_of
from campaign.config.settings import REPO_ROOT
from campaign.db import models as m
from campaign.db.claims import wall_clock
from campaign.db.session import session_scope
from campaign.notices.message import OutgoingMessage
from campaign.notices.store import record_messages
from notifications.channels import parse_channels
from notifications.delivery import SENDING_LEASE, deliver_pending, notify_now
from tests.support.flaky_receiver import FlakyReceiver
from tests.support.reminders import add_submission

AS_OF = resolve_as_of("2023-05-15")


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def _record(channels, *messages: OutgoingMessage, as_of=AS_OF) -> None:
    with session_scope() as session:
        record_messages(session, list(messages), channels, as_of)


def _claim(key: str, owner: str, age: timedelta) -> None:
    with session_scope() as session:
        note = session.query(m.Notification).filter_by(key=key).one()
        note.status, note.claimed_by, note.claimed_at = "sending", owner, wall_clock() - age
        note.attempts = 1


def _rows() -> dict[str, m.Notification]:
    with session_scope() as session:
        return {n.key: n for n in session.query(m.Notification)}


def _digest(key: str) -> OutgoingMessage:
    return OutgoingMessage(key, "digest", "sasac", f"标题 {key}", "正文")


def test_a_run_delivers_what_interrupted_runs_left_oldest_first(initialized_home):
    channels = parse_channels({"default": ["outbox://"]})
    here = socket.gethostname()
    _record(
        channels,
        _digest("digest:left-pending"),
        _digest("digest:killed-mid-send"),
        _digest("digest:live-owner"),
        _digest("digest:other-host-expired"),
        _digest("digest:other-host-in-lease"),
    )
    # Reminders interrupted runs recorded on earlier days: DDK001 has filed since; DDK002 got a later step.
    _record(
        channels,
        OutgoingMessage("reminder:DDK001:plan-2023:T-7", "reminder", "DDK001", "提醒", "正文", "DDK001", "plan-2023"),
        OutgoingMessage("reminder:DDK002:plan-2023:T-7", "reminder", "DDK002", "提醒", "正文", "DDK002", "plan-2023"),
        as_of=resolve_as_of("2023-05-12"),
    )
    _record(
        channels,
        OutgoingMessage("reminder:DDK002:plan-2023:T-3", "reminder", "DDK002", "提醒", "正文", "DDK002", "plan-2023"),
        as_of=resolve_as_of("2023-05-13"),
    )
    _claim("digest:killed-mid-send", f"{here}:{_dead_pid()}:abc", timedelta(seconds=5))
    _claim("digest:live-owner", f"{here}:{os.getppid()}:abc", timedelta(seconds=5))
    _claim("digest:other-host-expired", "elsewhere:1:abc", SENDING_LEASE + timedelta(minutes=1))
    _claim("digest:other-host-in-lease", "elsewhere:1:abc", timedelta(minutes=1))
    add_submission("DDK001", "plan-2023", "2023-05-14T10:00", "accepted")

    # A keyed send (the portal, `campaign submit`) sends its own message only.
    _record(channels, _digest("digest:portal"))
    keyed = notify_now([], AS_OF, channels, recorded_keys=["digest:portal"])
    assert keyed.sent == ["digest:portal"] and keyed.earlier == 0

    report = notify_now([_digest("digest:this-run")], AS_OF, channels, sweep=True)
    # Claim order is record order: the earlier runs' messages before this run's.
    assert report.sent == [
        "digest:left-pending",
        "digest:killed-mid-send",
        "digest:other-host-expired",
        "reminder:DDK002:plan-2023:T-3",
        "digest:this-run",
    ]
    assert report.earlier == 4 and report.recorded == 1
    rows = _rows()
    assert rows["digest:live-owner"].status == rows["digest:other-host-in-lease"].status == "sending"
    assert rows["reminder:DDK001:plan-2023:T-7"].status == "cancelled"  # filed since: no late reminder
    assert rows["reminder:DDK002:plan-2023:T-7"].status == "cancelled"  # superseded by T-3
    assert "已取消" in rows["reminder:DDK001:plan-2023:T-7"].last_error
    # The outbox holds exactly the delivered ones (file name = key).
    outbox = sorted(p.stem for p in (initialized_home / "outbox").glob("*.json"))
    assert len(outbox) == 6 and not any("live-owner" in name or "in-lease" in name for name in outbox)


def _kill_trial(home, messages: int, kill_at: int) -> tuple[dict[str, int], str]:
    """A deliverer process is SIGKILLed while its `kill_at`-th request is at the receiver; this process
    then runs the next sweep. Returns the copies per key and the key that was in flight."""
    channels = parse_channels({"default": ["outbox://"]})
    _record(channels, *(_digest(f"digest:kill:{i:04d}") for i in range(messages)))
    in_flight: list[str] = []
    with FlakyReceiver() as receiver:
        url = f"json://127.0.0.1:{receiver.port}/hook"
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.support.sweep_child", url],
            cwd=REPO_ROOT,
            env={**os.environ, "CAMPAIGN_HOME": str(home)},
        )

        def kill(n: int, key: str) -> None:
            if n == kill_at:
                in_flight.append(key)
                os.kill(child.pid, signal.SIGKILL)  # before the answer: the send's outcome is never recorded

        receiver.on_request = kill
        assert child.wait(timeout=120) == -signal.SIGKILL
        receiver.on_request = None
        with session_scope() as session:  # the rerun: this process, same host, the owner's pid is gone
            report = deliver_pending(session, parse_channels({"default": [url]}), AS_OF)
        assert report.failed == {} and report.unknown == {}
        return dict(receiver.received), in_flight[0]


TRIALS = int(os.environ.get("CAMPAIGN_DELIVERY_KILL_TRIALS", "2"))  # the long version: e.g. 20


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_killed_deliverer_resends_at_most_the_message_in_flight(initialized_home, trial):
    import random

    messages = 120
    kill_at = random.Random(trial).randint(1, messages)  # seeded: the same points on every run
    received, in_flight = _kill_trial(initialized_home, messages, kill_at)
    rows = _rows()
    assert all(n.status == "sent" for n in rows.values())  # nothing lost, nothing stuck 'sending'
    assert set(received) == set(rows)  # every message reached the receiver
    # The message at the receiver when the deliverer died was never recorded as sent, so it goes out
    # again: that one, once more, and no other (each outcome was committed before the next send).
    doubled = {k: c for k, c in received.items() if c > 1}
    assert doubled == {in_flight: 2}, (kill_at, doubled)
