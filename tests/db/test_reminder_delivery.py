"""Delivery to a real HTTP endpoint on 127.0.0.1 that fails intermittently: exactly once in the end,
failures recorded, a dead channel does not block the others, and the token never leaks."""

from __future__ import annotations

import logging
import time
import uuid

import pytest

from campaign.errors import ConfigError
from notifications.channels import parse_channels
from tests.support.reminders import (
    Receiver,
    database_text,
    notifications,
    run_reminders_without_prefect,
    write_apprise_config,
)


def test_intermittent_endpoint_every_reminder_delivered_exactly_once(
    initialized_home, tmp_path, monkeypatch, token, caplog
):
    caplog.set_level(logging.DEBUG)  # Apprise's debug lines quote URLs: they must be redacted too
    # Requests 1-5 fail (an outage), then every third one fails.
    with Receiver(token, fail=lambda n: n <= 5 or n % 3 == 0) as receiver:
        config = write_apprise_config(tmp_path / "apprise.yaml", receiver.port, delivery={"circuit_after": 100})
        monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(config))
        planned, first = run_reminders_without_prefect("2023-05-22")
        assert len(planned.messages) == 36
        assert first.failed, "the outage must leave some messages pending after the first run"
        pending = {n.key for n in notifications() if n.status == "pending"}
        assert pending == set(first.failed)
        assert all(n.attempts == 2 and "503" in n.last_error for n in notifications() if n.key in pending), [
            (n.attempts, n.last_error) for n in notifications() if n.key in pending
        ]
        # The next run (same day, later) retries only those; nothing goes out twice.
        _, second = run_reminders_without_prefect("2023-05-22T11:00")
        _, third = run_reminders_without_prefect("2023-05-22T15:00")
    rows = notifications()
    assert len(rows) == 36 and all(n.status == "sent" for n in rows)
    assert set(second.sent) | set(third.sent) == pending
    titles = [p["title"] for p in receiver.delivered]
    assert len(titles) == 36 and len(set(titles)) == 36  # each reminder exactly once
    assert receiver.rejected >= 5
    # Failures stay visible after success: attempts and the last error are kept.
    retried = [n for n in rows if n.attempts > 1]
    assert retried and all(n.last_error and "503" in n.last_error for n in retried)
    assert sum(n.attempts for n in rows) == receiver.requests
    # The token reached the endpoint (the path is checked) but nothing we write or log shows it.
    assert token not in database_text()
    assert token not in caplog.text
    assert "json://***" in caplog.text or "503" in caplog.text


def test_dead_channel_does_not_block_other_channels_or_recipients(
    initialized_home, tmp_path, monkeypatch, token, caplog
):
    caplog.set_level(logging.DEBUG)
    dead = "json://127.0.0.1:9/hook/${REMINDER_TEST_TOKEN}"  # discard port: connection refused
    with Receiver(token) as receiver:
        live = f"json://127.0.0.1:{receiver.port}/hook/${{REMINDER_TEST_TOKEN}}"
        config = write_apprise_config(
            tmp_path / "apprise.yaml",
            receiver.port,
            extra={"DDK001": [dead, live]},
            delivery={"attempts_per_run": 3, "circuit_after": 2, "backoff_seconds": 0.2, "max_backoff_seconds": 1},
        )
        monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(config))
        sleeps = []
        started = time.monotonic()
        _, report = run_reminders_without_prefect("2023-05-22", sleep=sleeps.append)
        elapsed = time.monotonic() - started
    rows = {n.key: n for n in notifications()}
    ddk001 = [k for k in rows if ":DDK001:" in k]
    assert set(report.failed) == set(ddk001) and len(ddk001) == 4
    assert all(rows[k].status == "sent" for k in rows if k not in ddk001)
    # DDK001's working channel still got each of its reminders, once.
    titles = [p["title"] for p in receiver.delivered]
    assert len(titles) == 36 and len(set(titles)) == 36
    # Circuit breaker: the dead URL is retried (with backoff) for 2 messages, then skipped for the run
    # (the later messages make one attempt: to the live URL only).
    assert [rows[k].attempts for k in sorted(ddk001, key=lambda k: rows[k].id)] == [3, 3, 1, 1]
    assert sleeps == [0.2, 0.4, 0.2, 0.4]
    assert all(rows[k].last_error for k in ddk001) and elapsed < 30
    assert token not in database_text() and token not in caplog.text
    assert all(token not in error for error in report.failed.values())


def test_delivery_policy_errors_are_chinese_and_name_the_field():
    with pytest.raises(ConfigError, match="delivery.attempts_per_run：应在 1 到 10 之间"):
        parse_channels({"default": ["outbox://"], "delivery": {"attempts_per_run": 0}})
    with pytest.raises(ConfigError, match="delivery.retries：不认识的字段"):
        parse_channels({"default": ["outbox://"], "delivery": {"retries": 3}})


@pytest.mark.parametrize(
    "url",
    [
        "mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.cn?to=zhangming@ddk001.example.cn",
        "wecombot://${WECOM_KEY}",
        "dingtalk://${DINGTALK_TOKEN}/",
        "feishu://${FEISHU_TOKEN}",
    ],
)
def test_real_channels_are_configuration_only(url, monkeypatch):
    """Email, WeCom bot, DingTalk and Feishu are plain Apprise URLs: parsed, tagged, schemas recorded."""
    import apprise

    for name in ("SMTP_USER", "SMTP_PASSWORD", "WECOM_KEY", "DINGTALK_TOKEN", "FEISHU_TOKEN"):
        monkeypatch.setenv(name, uuid.uuid4().hex)
    channels = parse_channels({"default": ["outbox://"], "recipients": {"DDK001": [url]}})
    expanded = channels.urls_for("DDK001")[0]
    client = apprise.Apprise()
    assert client.add(expanded, tag="DDK001"), url
    schema = url.split("://")[0]
    assert channels.schemas_for("DDK001") == schema
    assert channels.redact(f"failed: {expanded}") == f"failed: {schema}://***"


def test_a_broken_log_handler_does_not_print_the_token(initialized_home, tmp_path, monkeypatch, token, capfd):
    """logging.handleError would print the HTTP library's exception (URL and token) to stderr."""
    import io

    closed = io.StringIO()
    closed.close()
    broken = logging.StreamHandler(closed)
    broken.setLevel(logging.WARNING)
    logging.getLogger().addHandler(broken)
    try:
        config = write_apprise_config(tmp_path / "apprise.yaml", 9, delivery={"attempts_per_run": 1})
        monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(config))
        _, report = run_reminders_without_prefect("2023-05-22")
    finally:
        logging.getLogger().removeHandler(broken)
    assert len(report.failed) == 36
    out, err = capfd.readouterr()
    assert token not in out and token not in err
