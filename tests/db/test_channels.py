"""Notification channels: secrets come from the environment and never leak into text we store."""

from __future__ import annotations

import pytest

from campaign.errors import ConfigError
from notifications.channels import parse_channels, with_delivery_metadata


def test_recipients_fall_back_to_default_and_secrets_expand(monkeypatch):
    monkeypatch.setenv("WECOM_KEY", "s3cr3t-token-123")
    channels = parse_channels(
        {"default": ["outbox://"], "recipients": {"DDK001": ["wecombot://${WECOM_KEY}", "outbox://"]}}
    )
    assert channels.urls_for("DDK009") == ("outbox://",)
    assert channels.urls_for("DDK001")[0] == "wecombot://s3cr3t-token-123"
    assert channels.schemas_for("DDK001") == "outbox,wecombot"


def test_redaction_removes_tokens_and_url_bodies(monkeypatch):
    monkeypatch.setenv("WECOM_KEY", "s3cr3t-token-123")
    channels = parse_channels({"recipients": {"DDK001": ["wecombot://${WECOM_KEY}"]}})
    text = channels.redact("failed to post wecombot://s3cr3t-token-123/ (token s3cr3t-token-123)")
    assert "s3cr3t-token-123" not in text
    assert "wecombot://***" in text


def test_missing_secret_is_a_clear_chinese_error(monkeypatch):
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="环境变量 NOPE_TOKEN 未设置"):
        parse_channels({"recipients": {"sasac": ["dingtalk://${NOPE_TOKEN}/"]}})


def test_bad_channel_list_is_rejected():
    with pytest.raises(ConfigError, match="recipients.sasac：应为 Apprise URL 列表"):
        parse_channels({"recipients": {"sasac": "not a url"}})


def test_outbox_urls_carry_the_key_other_urls_are_untouched():
    assert with_delivery_metadata("outbox://", "notice:deployment:DDK001", "2023-05-12T09:00:00+08:00").startswith(
        "outbox://?key=notice%3Adeployment%3ADDK001&at="
    )
    assert with_delivery_metadata("mailtos://u:p@host", "k", "t") == "mailtos://u:p@host"
