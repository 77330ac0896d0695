"""A channel that refuses connections, answers 500, or answers after Apprise's timeout (issue 15 item 2).

Counted per run: sent, outcome unknown, failed, and duplicated (copies the receiver took in twice,
counted by the Idempotency-Key header delivery sends). Under the default policy ("hold") a send that
got no answer in time is never repeated, so nothing is duplicated; under "resend" it is, and the run
says which messages may be doubled.
"""

from __future__ import annotations

import gc
import socket

from campaign.calendar.clock import resolve_as_of
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.notices.message import OutgoingMessage
from campaign.notices.store import record_messages, requeue_failed
from notifications.channels import parse_channels
from notifications.delivery import DeliveryReport, deliver_pending
from tests.support.flaky_receiver import ERROR, OK, SLOW, FlakyReceiver

AS_OF = resolve_as_of("2023-05-15")
MESSAGES = 30
KEYS = [f"digest:flaky:{i:03d}" for i in range(MESSAGES)]


def _schedule(n: int) -> str:
    """Request n: every sixth answers 500, every sixth (offset) after the client's 0.3 s timeout."""
    return {1: ERROR, 4: SLOW}.get(n % 6, OK)


def _channels(port: int, policy: str):
    # rto/cto: Apprise's socket timeouts, small so the slow answers time out quickly.
    url = f"json://127.0.0.1:{port}/hook?rto=0.3&cto=0.3"
    delivery = {"attempts_per_run": 3, "backoff_seconds": 0, "circuit_after": 1000, "unknown_outcome": policy}
    return parse_channels({"default": [url], "delivery": delivery})


def _record(channels) -> None:
    messages = [OutgoingMessage(key, "digest", "sasac", f"汇总 {key}", "正文") for key in KEYS]
    with session_scope() as session:
        record_messages(session, messages, channels, AS_OF)


def _sweep(channels) -> DeliveryReport:
    with session_scope() as session:
        return deliver_pending(session, channels, AS_OF, sleep=lambda seconds: None)


def _statuses() -> dict[str, str]:
    with session_scope() as session:
        return dict(session.query(m.Notification.key, m.Notification.status).all())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_hold_policy_refused_then_flaky_channel_nothing_duplicated_unknown_held(initialized_home):
    port = _free_port()  # nobody listens yet: connection refused
    channels = _channels(port, "hold")
    _record(channels)
    # Refused vs timed out is told apart by the time a failed send took (0.3 s here): a full collection of a
    # long test session's heap inside one send would pass for a timeout, so none runs during this sweep.
    gc.collect()
    gc.disable()
    try:
        refused = _sweep(channels)
    finally:
        gc.enable()
    assert (len(refused.sent), len(refused.unknown), len(refused.failed)) == (0, 0, MESSAGES)
    assert set(_statuses().values()) == {"pending"}  # refused = never received: safe to retry

    with FlakyReceiver(_schedule, slow_seconds=0.8, port=port) as receiver:
        first = _sweep(channels)
        counts = {
            "sent": len(first.sent),
            "unknown": len(first.unknown),
            "failed": len(first.failed),
            "duplicated": len(receiver.duplicated()),
        }
        # Each message is in exactly one column; errors were retried within the run, timeouts never.
        assert counts["sent"] + counts["unknown"] + counts["failed"] == MESSAGES, counts
        assert counts["unknown"] > 0 and counts["sent"] > 0 and counts["duplicated"] == 0, counts
        assert first.maybe_duplicated == []
        statuses = _statuses()
        # An unknown message did reach the receiver (once), and is held, not pending.
        assert all(statuses[k] == "unknown" and receiver.received[k] == 1 for k in first.unknown)
        assert all("超时" in error for error in first.unknown.values())
        # Reruns retry only the failed ones, never a held one; in the end all are sent or held.
        for _ in range(3):
            again = _sweep(channels)
            assert not set(again.sent) & set(first.unknown)
        statuses = _statuses()
        assert set(statuses.values()) <= {"sent", "unknown"}, statuses
        assert receiver.duplicated() == {}
        # Every message the receiver took in is recorded sent or held as unknown, and vice versa.
        assert {k for k, s in statuses.items() if s == "sent"} | {
            k for k, s in statuses.items() if s == "unknown"
        } == set(receiver.received)
    # Only a person resends a held message: the console's 补发 (after checking with the recipient) requeues it.
    held = sorted(k for k, s in statuses.items() if s == "unknown")
    with session_scope() as session:
        assert sorted(requeue_failed(session, held + ["digest:flaky:000"], "staff:测试", AS_OF)) == held
    assert {k for k, s in _statuses().items() if s == "pending"} == set(held)
    print(f"hold policy, {MESSAGES} messages, first run after the outage: {counts}")


def test_resend_policy_retries_a_timed_out_send_and_names_the_possible_duplicates(initialized_home):
    with FlakyReceiver(_schedule, slow_seconds=0.8) as receiver:
        channels = _channels(receiver.port, "resend")
        _record(channels)
        report = _sweep(channels)
        duplicated = receiver.duplicated()
    assert report.unknown == {}  # nothing held under "resend"
    assert duplicated, "a timed-out send that the receiver took in, sent again, arrives twice"
    # The run names every message that may be doubled; the receiver confirms each of them.
    delivered_twice = {k for k in duplicated if k in report.sent}
    assert delivered_twice == set(report.maybe_duplicated)
    assert set(receiver.received) <= set(KEYS)  # the header carried the message key
    print(
        f"resend policy, {MESSAGES} messages: sent {len(report.sent)}, failed {len(report.failed)}, "
        f"duplicated {len(duplicated)}, reported as possibly duplicated {len(report.maybe_duplicated)}"
    )
