"""SASAC's daily digest lists the messages earlier runs could not deliver (issue 15 item 1)."""

from __future__ import annotations

from campaign.calendar.clock import resolve_as_of
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.notices.message import OutgoingMessage
from campaign.notices.store import record_messages
from campaign.reminders.batch import planned_reminders
from notifications.channels import parse_channels


def _record_with(key: str, recipient: str, status: str, attempts: int, error: str | None) -> None:
    with session_scope() as session:
        record_messages(
            session,
            [OutgoingMessage(key, "receipt", recipient, f"回执 {key}", "正文")],
            parse_channels({"default": ["outbox://"]}),
            resolve_as_of("2023-05-12"),
        )
        note = session.query(m.Notification).filter_by(key=key).one()
        note.status, note.attempts, note.last_error = status, attempts, error


def test_the_digest_names_failed_unknown_and_retrying_messages_even_with_nothing_overdue(initialized_home):
    _record_with("receipt:DDK001:a", "DDK001", "failed", 10, "第3次尝试：json://*** 503")
    _record_with(
        "receipt:DDK002:b", "DDK002", "unknown", 1, "通知渠道在超时时间内没有应答，对方可能已收到（json://***）"
    )
    _record_with("receipt:DDK003:c", "DDK003", "pending", 2, "Connection error")
    _record_with("receipt:DDK004:d", "DDK004", "pending", 0, None)  # never tried: this run sends it
    _record_with("receipt:DDK005:e", "DDK005", "sent", 1, None)

    planned = planned_reminders(resolve_as_of("2023-05-15"))  # a Monday; nothing is overdue yet
    assert planned.plan.overdue_total == 0
    (digest,) = [msg for msg in planned.messages if msg.kind == "digest"]
    assert digest.recipient == "sasac"
    assert "3条消息未送达" in digest.title
    assert "回执 receipt:DDK001:a" in digest.body and "已达重试上限" in digest.body
    assert "回执 receipt:DDK002:b" in digest.body and "结果不明" in digest.body and "未自动重发" in digest.body
    assert "回执 receipt:DDK003:c" in digest.body and "下次运行重试" in digest.body
    assert "DDK004:d" not in digest.body and "DDK005:e" not in digest.body


def test_no_digest_when_nothing_is_overdue_or_undelivered(initialized_home):
    _record_with("receipt:DDK005:e", "DDK005", "sent", 1, None)
    planned = planned_reminders(resolve_as_of("2023-05-15"))
    assert [msg for msg in planned.messages if msg.kind == "digest"] == []
