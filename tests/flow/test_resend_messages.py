"""补发 (the console's resend button): only messages that failed for good go out again, once, audited."""

from __future__ import annotations

from sqlalchemy import select, update

from campaign.calendar.clock import resolve_as_of
from campaign.db import models as m
from campaign.db.session import session_scope
from tests.conftest import read_outbox


def test_resend_delivers_the_failed_message_once_and_leaves_a_sent_one_alone(prefect_harness, initialized_home):
    from flows.resend_messages import resend_messages
    from flows.window_notices import window_notices

    window_notices(["completion-2023"], as_of=resolve_as_of("2024-01-02"))
    failed_key, sent_key = "notice:completion-2023:DDK004", "notice:completion-2023:DDK005"
    (initialized_home / "outbox").rename(initialized_home / "outbox-first")  # what went out the first time
    with session_scope() as s:  # as if DDK004's channel had refused it until the attempts ran out
        s.execute(
            update(m.Notification)
            .where(m.Notification.key == failed_key)
            .values(status="failed", attempts=5, last_error="HTTP 500", sent_at=None)
        )
    result = resend_messages([failed_key, sent_key, "notice:no-such-key"], "wangli", as_of="2024-01-05")
    assert (result["requeued"], result["sent"], result["failed"]) == (1, 1, 0)
    assert result["skipped"] == ["notice:completion-2023:DDK005", "notice:no-such-key"]
    assert [n["key"] for n in read_outbox(initialized_home)] == [failed_key]  # only the failed one, once
    again = resend_messages([failed_key], "wangli", as_of="2024-01-05")
    assert (again["requeued"], again["sent"]) == (0, 0)  # delivered now: a second click sends nothing
    assert len(read_outbox(initialized_home)) == 1
    with session_scope() as s:
        note = s.scalars(select(m.Notification).where(m.Notification.key == failed_key)).one()
        assert note.status == "sent"
        audit = s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "message.requeued")).all()
        assert [(a.actor, a.entity_key) for a in audit] == [("staff:wangli", failed_key)]
