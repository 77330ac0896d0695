"""A notice sent by email carries the enterprise's own template as an attachment; chat channels get the link only."""

from __future__ import annotations

import apprise

from campaign.config.model import load_config
from campaign.db.session import session_scope
from campaign.notices.rules import build_deployment_notices
from campaign.notices.store import record_messages
from notifications.channels import load_channels
from notifications.delivery import deliver_pending
from tests.web.conftest import AS_OF


def test_email_notice_attaches_the_recipients_templates_and_chat_gets_the_link(portal_home, tmp_path, monkeypatch):
    config_path = tmp_path / "apprise.yaml"
    config_path.write_text(
        "default: [outbox://]\n"
        "recipients:\n"
        "  DDK001: ['mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.cn?to=zhangming@ddk001.example.cn']\n"
        "  DDK002: ['wecombot://${DDK002_KEY}']\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(config_path))
    monkeypatch.setenv("SMTP_USER", "sender")
    monkeypatch.setenv("SMTP_PASSWORD", "smtp-secret-123")
    monkeypatch.setenv("DDK002_KEY", "wecom-secret-456")
    sent: list[dict] = []

    def fake_notify(self, body, title="", tag=None, attach=None, **kwargs):
        sent.append({"to": str(tag), "schema": self[0].url().split("://")[0], "body": body, "attach": attach})
        return apprise.AppriseResult(apprise.AppriseResultStatus.SUCCESS)

    monkeypatch.setattr(apprise.Apprise, "notify", fake_notify)
    messages = [msg for msg in build_deployment_notices(load_config(), AS_OF) if msg.recipient in ("DDK001", "DDK002")]
    channels = load_channels(config_path)
    with session_scope() as session:
        record_messages(session, messages, channels, AS_OF)
        report = deliver_pending(session, channels, AS_OF, [msg.key for msg in messages])
    assert sorted(report.sent) == ["notice:deployment:DDK001", "notice:deployment:DDK002"]
    by_schema = {s["schema"]: s for s in sent}
    email = by_schema["mailtos"]
    names = sorted(path.rsplit("/", 1)[1] for path in email["attach"])
    # The deployment phase's three unified templates, each the enterprise's own (the plan has no template).
    assert names == ["DDK001_deployment-report-2023.docx", "DDK001_targets-2023.docx", "DDK001_task-list-2023.xlsx"]
    assert all((portal_home / "outgoing").as_posix() in path for path in email["attach"])
    assert "/l/" in email["body"]
    chat = by_schema["wecombot"]
    assert chat["attach"] is None and "/l/" in chat["body"]
