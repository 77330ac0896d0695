"""免报: an enterprise SASAC excuses from a deliverable gets no reminder, is in no overdue digest, shows as
已免报 in `campaign status`, and every grant and revocation is in the audit table."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from campaign.calendar.clock import resolve_as_of
from campaign.cli.app import app
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.errors import InvalidRequest, UnknownCode
from campaign.submissions.status import campaign_status
from campaign.submissions.store import grant_waiver, revoke_waiver
from tests.support.reminders import notifications, run_reminders_without_prefect


def _waive(*extra: str) -> str:
    result = CliRunner().invoke(
        app,
        [
            "waive",
            "--enterprise",
            "DDK005",
            "--deliverable",
            "plan-2023",
            "--by",
            "王科长",
            "--as-of",
            "2023-05-16",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_waived_enterprise_gets_no_reminder_and_no_digest_line_and_status_says_so(initialized_home):
    run_reminders_without_prefect("2023-05-15")  # T-7 went to everyone
    assert "已同意 DDK005 免报 plan-2023" in _waive("--reason", "企业已整体划转，方案由集团统一报送")
    planned, _ = run_reminders_without_prefect("2023-05-19")  # T-1
    keys = {msg.key for msg in planned.messages}
    assert "reminder:DDK005:plan-2023:T-1" not in keys
    assert "reminder:DDK005:targets-2023:T-1" in keys  # the other deliverables are still owed
    line = next(line for line in planned.plan.lines if line.code == "plan-2023")
    assert (line.submitted, line.to_send) == (0, 8)
    for day in ("2023-05-23", "2023-05-26"):
        run_reminders_without_prefect(day)
    digest = notifications("digest")[-1]
    assert "《对标世界一流企业价值创造行动实施方案》" in digest.body
    plan_block = digest.body.split("《对标世界一流企业价值创造行动实施方案》", 1)[1].split("《", 1)[0]
    assert "DDK005" not in plan_block and "DDK001" in plan_block

    with session_scope() as session:
        rows = {(r.enterprise, r.deliverable): r for r in campaign_status(session, resolve_as_of("2023-05-26"))}
    row = rows[("DDK005", "plan-2023")]
    assert (row.status, row.status_zh, row.overdue) == ("waived", "已免报", False)
    assert rows[("DDK001", "plan-2023")].overdue
    matrix = CliRunner().invoke(app, ["status", "--as-of", "2023-05-26"])
    assert "免" in matrix.output and "已免报（区国资委同意不报）" in matrix.output


def test_grants_and_revocations_are_audited_once_and_revocation_makes_it_owed_again(initialized_home):
    _waive("--reason", "企业已整体划转")
    assert "此前已免报，未重复记录" in _waive("--reason", "再次提交")
    assert (
        "已撤销 DDK005 的 plan-2023 免报"
        in CliRunner()
        .invoke(
            app,
            [
                "waive",
                "--enterprise",
                "DDK005",
                "--deliverable",
                "plan-2023",
                "--by",
                "王科长",
                "--revoke",
                "--as-of",
                "2023-05-18",
            ],
        )
        .output
    )
    with session_scope() as session:
        actions = session.scalars(
            sa.select(m.AuditEvent.action).where(m.AuditEvent.entity == "waiver").order_by(m.AuditEvent.id)
        ).all()
        assert actions == ["waiver.granted", "waiver.revoked"]
        assert session.scalar(sa.select(sa.func.count()).select_from(m.Waiver)) == 1
    planned, _ = run_reminders_without_prefect("2023-05-19")
    assert "reminder:DDK005:plan-2023:T-1" in {msg.key for msg in planned.messages}


def test_a_waiver_needs_a_reason_and_known_codes(initialized_home):
    at = resolve_as_of("2023-05-16")
    with session_scope() as session:
        with pytest.raises(InvalidRequest, match="免报须写明理由"):
            grant_waiver(session, "DDK005", "plan-2023", " ", "王科长", at)
        with pytest.raises(UnknownCode, match="未知的企业代码：DDK999"):
            grant_waiver(session, "DDK999", "plan-2023", "理由", "王科长", at)
        with pytest.raises(InvalidRequest, match="没有生效的免报"):
            revoke_waiver(session, "DDK005", "plan-2023", "王科长", at)
    result = CliRunner().invoke(
        app, ["waive", "--enterprise", "DDK005", "--deliverable", "plan-2023", "--by", "王科长"]
    )
    assert result.exit_code != 0
