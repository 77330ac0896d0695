"""研究部署阶段: every enterprise gets exactly one notice with the deliverables and the 2023-05-22 deadline."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.errors import DeliveryFailed
from campaign.notices.rules import build_deployment_notices
from tests.conftest import read_outbox


def test_notice_text_names_every_deliverable_limit_and_the_deadline():
    config = load_config()
    messages = build_deployment_notices(config, resolve_as_of("2023-05-12"))
    assert [msg.recipient for msg in messages] == [e.code for e in config.enterprises]
    body = messages[0].body
    assert body.startswith("示例城市建设投资集团有限公司（示例）：")
    assert "于 2023年5月22日（星期一）前将以下材料报区国资委备案" in body
    assert "2023年度价值创造行动目标任务（附件1）（不超过1500字）" in body
    assert "部署推动情况报告（不超过500字）" in body
    assert "材料编号：task-list-2023；文件格式：xlsx" in body
    assert "“计分规则”“年度考核得分”两列由区国资委填写，企业不填" in body
    assert (
        messages[0].title
        == "【大渡口区国有资产监督管理委员会】关于印发《大渡口区属国有企业对标世界一流企业价值创造行动方案》的通知"
    )


def test_notice_cannot_be_issued_before_the_issue_date():
    with pytest.raises(ValueError, match="不能提前印发"):
        build_deployment_notices(load_config(), resolve_as_of("2023-05-11"))


def test_running_the_deployment_phase_twice_sends_one_notice_per_enterprise(prefect_harness, campaign_home):
    from flows.deployment_phase import deployment_phase

    first = deployment_phase(as_of=resolve_as_of("2023-05-12"))
    second = deployment_phase(as_of=resolve_as_of("2023-05-12"))

    codes = [e.code for e in load_config().enterprises]
    assert (first["sent"], first["newly_recorded"]) == (len(codes), len(codes))
    assert (second["sent"], second["newly_recorded"]) == (0, 0)
    outbox = read_outbox(campaign_home)
    assert sorted(msg["to"][0] for msg in outbox) == sorted(codes)
    assert all("2023年5月22日" in msg["body"] for msg in outbox)
    with session_scope() as session:
        rows = session.scalars(sa.select(m.Notification)).all()
        assert len(rows) == len(codes)
        assert {(r.status, r.attempts, r.kind, r.channel) for r in rows} == {("sent", 1, "notice", "outbox")}
        audits = session.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "notice.issued")).all()
        assert [a.detail["sent"] for a in audits] == [len(codes), 0]


def test_failed_delivery_is_recorded_and_retried_without_duplicates(
    prefect_harness, campaign_home, tmp_path, monkeypatch
):
    from flows.deployment_phase import deployment_phase

    # DDK001's channel is down (nothing listens on port 9); every other enterprise uses the outbox.
    apprise_yaml = tmp_path / "apprise.yaml"
    apprise_yaml.write_text(
        "default: [outbox://]\nrecipients:\n  DDK001: ['json://127.0.0.1:9/hook?token=${HOOK_TOKEN}']\n"
        "delivery: {attempts_per_run: 3, backoff_seconds: 0.01}\n"
    )
    monkeypatch.setenv("HOOK_TOKEN", "tok-never-stored")
    monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(apprise_yaml))
    with pytest.raises(DeliveryFailed, match="1 条通知发送失败"):
        deployment_phase(as_of=resolve_as_of("2023-05-12"))
    with session_scope() as session:
        failed = session.scalars(sa.select(m.Notification).where(m.Notification.recipient == "DDK001")).one()
        assert (failed.status, failed.attempts) == ("pending", 3)  # retried within the run, still pending
        assert failed.last_error and "tok-never-stored" not in failed.last_error

    monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(tmp_path / "fixed.yaml"))
    (tmp_path / "fixed.yaml").write_text("default: [outbox://]\n")
    result = deployment_phase(as_of=resolve_as_of("2023-05-13"))
    assert (result["sent"], result["failed"]) == (1, 0)  # only the one that failed before
    assert len(read_outbox(campaign_home)) == len(load_config().enterprises)


def test_deployment_phase_on_postgresql_is_idempotent_too(prefect_harness, campaign_home, postgres_url, monkeypatch):
    from flows.deployment_phase import deployment_phase

    monkeypatch.setenv("CAMPAIGN_DATABASE_URL", postgres_url)
    runs = [deployment_phase(as_of=resolve_as_of("2023-05-12")) for _ in range(2)]
    assert [r["sent"] for r in runs] == [9, 0]
    with session_scope() as session:
        keys = session.scalars(sa.select(m.Notification.key).where(m.Notification.kind == "notice")).all()
    assert sorted(keys) == sorted(f"notice:deployment:{e.code}" for e in load_config().enterprises)
