"""Reminders against a real database (no Prefect): who is reminded on which day, once, and catch-up."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from campaign.db.migrate import init_database
from tests.conftest import read_outbox
from tests.support.reminders import (
    AUTUMN,
    add_submission,
    config_with_autumn_deliverable,
    notifications,
    run_reminders_without_prefect,
)

D = date


@pytest.fixture
def autumn_home(campaign_home, tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_CONFIG_DIR", str(config_with_autumn_deliverable(tmp_path)))
    init_database()
    return campaign_home


def _daily(start: date, end: date, skip=lambda d: False) -> dict[date, list]:
    out = {}
    day = start
    while day <= end:
        if not skip(day):
            planned, report = run_reminders_without_prefect(day.isoformat())
            assert not report.failed
            out[day] = planned
        day += timedelta(days=1)
    return out


def _reminded_days(enterprise: str, deliverable: str = AUTUMN) -> list[tuple[date, str]]:
    return [
        (n.created_at.date(), n.key.rsplit(":", 1)[1])
        for n in notifications("reminder")
        if n.key.startswith(f"reminder:{enterprise}:{deliverable}:")
    ]


NOT_SUBMITTED = [
    (D(2023, 9, 28), "T-3"),  # T-7 (10-01) and T-3 (10-05) fall in 国庆: both move to 09-28, sent once
    (D(2023, 10, 7), "T-1"),  # 调休 Saturday
    (D(2023, 10, 8), "T0"),  # due on the 调休 Sunday
    (D(2023, 10, 11), "overdue-1"),
    (D(2023, 10, 16), "overdue-2"),
    (D(2023, 10, 19), "overdue-3"),
    (D(2023, 10, 24), "overdue-4"),
    (D(2023, 10, 27), "overdue-5"),
]


def test_calendar_across_guoqing_exact_days_per_enterprise(autumn_home):
    add_submission("DDK002", AUTUMN, "2023-10-07T15:00", "accepted")  # after the 09:00 reminder that day
    add_submission(
        "DDK003",
        AUTUMN,
        "2023-10-06T10:00",
        "rejected",
        [{"code": "char_limit", "message": "正文超过1500字（实际1688字）", "hint": "删减至1500字以内"}],
    )
    add_submission("DDK004", AUTUMN, "2023-09-20T10:00", "accepted")
    _daily(D(2023, 9, 1), D(2023, 11, 10))

    assert _reminded_days("DDK001") == NOT_SUBMITTED
    assert _reminded_days("DDK003") == NOT_SUBMITTED  # rejected is not accepted: still owes
    assert _reminded_days("DDK002") == NOT_SUBMITTED[:2]  # nothing after its accepted submission
    assert _reminded_days("DDK004") == []  # submitted before any reminder

    by_key = {n.key: n for n in notifications("reminder")}
    t1 = by_key[f"reminder:DDK003:{AUTUMN}:T-1"]
    assert "第1版" in t1.body and "正文超过1500字（实际1688字）" in t1.body and "删减至1500字以内" in t1.body
    t0 = by_key[f"reminder:DDK001:{AUTUMN}:T0"]
    assert "2023年10月8日（星期日，调休工作日）" in t0.body and "今日截止" in t0.title
    overdue = by_key[f"reminder:DDK001:{AUTUMN}:overdue-1"]
    assert "已逾期3天" in overdue.title and "示例城市建设投资集团有限公司（示例）" in overdue.title
    assert all(n.status == "sent" and n.attempts == 1 for n in by_key.values())
    # Every working-day digest while something is overdue; none on holidays or weekends.
    digests = [n.key for n in notifications("digest")]
    assert "digest:overdue:2023-10-09" in digests and "digest:overdue:2023-10-14" not in digests
    assert all(len(set(_reminded_days(e))) == len(_reminded_days(e)) for e in ("DDK001", "DDK003"))


def test_running_the_same_day_twice_sends_nothing_twice(initialized_home):
    first, report = run_reminders_without_prefect("2023-05-22")
    assert len(report.sent) == 36  # 9 enterprises x 4 deployment deliverables, due today
    files = read_outbox(initialized_home)
    second, report2 = run_reminders_without_prefect("2023-05-22")
    third, report3 = run_reminders_without_prefect("2023-05-22T17:30")
    assert second.messages == [] and report2.sent == [] and third.messages == [] and report3.sent == []
    assert all(line.already_sent == 9 for line in second.plan.lines)
    assert read_outbox(initialized_home) == files
    assert len(notifications("reminder")) == 36


def test_submitted_enterprise_gets_nothing_more(initialized_home):
    run_reminders_without_prefect("2023-05-15")  # T-7
    add_submission("DDK005", "plan-2023", "2023-05-16T10:00", "accepted")
    planned, _ = run_reminders_without_prefect("2023-05-19")  # T-1
    assert "reminder:DDK005:plan-2023:T-1" not in {m.key for m in planned.messages}
    assert "reminder:DDK005:targets-2023:T-1" in {m.key for m in planned.messages}  # still owes that one
    line = next(line for line in planned.plan.lines if line.code == "plan-2023")
    assert (line.submitted, line.to_send, line.already_sent) == (1, 8, 0)
    for day in ("2023-05-22", "2023-05-25", "2023-05-30", "2023-06-12"):
        run_reminders_without_prefect(day)
    assert _reminded_days("DDK005", "plan-2023") == [(D(2023, 5, 15), "T-7")]
    digest = notifications("digest")[-1]
    assert (
        "DDK005" in digest.body
        and "《对标世界一流企业价值创造行动实施方案》" not in digest.body.split("DDK005")[1].split("\n")[0]
    )


def test_a_week_of_downtime_sends_one_catch_up_reminder_per_pending_item(autumn_home):
    _daily(D(2023, 9, 1), D(2023, 10, 7))
    before = {n.key for n in notifications("reminder")}
    # Down from 10-08 to 10-15 (T0 and overdue-1 missed). On 10-16 each item gets exactly one reminder.
    planned, report = run_reminders_without_prefect("2023-10-16")
    new = [n for n in notifications("reminder") if n.key not in before]
    per_item = Counter(tuple(n.key.split(":")[1:3]) for n in new)
    assert per_item and set(per_item.values()) == {1}
    assert {n.key.rsplit(":", 1)[1] for n in new if AUTUMN in n.key} == {"overdue-2"}
    assert len([k for k in per_item if k[1] == AUTUMN]) == 9
    assert len(report.sent) == len(new) + 1  # + the one SASAC digest
    # Stale steps are never sent later either.
    _daily(D(2023, 10, 17), D(2023, 10, 20))
    sent_steps = defaultdict(list)
    for n in notifications("reminder"):
        if AUTUMN in n.key:
            sent_steps[n.key.split(":")[1]].append(n.key.rsplit(":", 1)[1])
    assert sent_steps["DDK001"] == ["T-3", "T-1", "overdue-2", "overdue-3"]


def test_non_working_day_sends_nothing_and_next_working_day_catches_up(autumn_home):
    planned, report = run_reminders_without_prefect("2023-10-01")  # 国庆
    assert planned.messages == [] and not planned.plan.working_day
    line = next(line for line in planned.plan.lines if line.code == AUTUMN)
    assert line.step == "T-3" and line.not_working_day == 9
    planned, _ = run_reminders_without_prefect("2023-10-07")
    assert {m.key.rsplit(":", 1)[1] for m in planned.messages if AUTUMN in m.key} == {"T-1"}


def test_reminders_read_enterprises_from_the_database(initialized_home):
    from campaign.db import models as m
    from campaign.db.session import session_scope

    with session_scope() as s:
        s.add(m.Enterprise(code="BENCH00001", name="数据库中新增的企业", category="商业一类", contacts=[]))
        s.add(m.Enterprise(code="GONE001", name="已停用企业", category="商业一类", active=False, contacts=[]))
    planned, _ = run_reminders_without_prefect("2023-05-15")
    keys = {m.key for m in planned.messages}
    assert "reminder:BENCH00001:plan-2023:T-7" in keys
    assert not any(":GONE001:" in k for k in keys)


def test_undelivered_reminder_is_cancelled_once_the_enterprise_submits(initialized_home, tmp_path, monkeypatch):
    import yaml

    config = tmp_path / "apprise.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "default": ["outbox://"],
                "recipients": {"DDK006": ["json://127.0.0.1:9/hook"]},  # refused: DDK006's reminders stay pending
                "delivery": {"attempts_per_run": 1, "backoff_seconds": 0},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(config))
    _, report = run_reminders_without_prefect("2023-05-15")
    assert {k.split(":")[1] for k in report.failed} == {"DDK006"} and len(report.failed) == 4
    add_submission("DDK006", "plan-2023", "2023-05-16T10:00", "accepted")
    planned, report = run_reminders_without_prefect("2023-05-17")  # same step (T-7) still current
    rows = {n.key: n for n in notifications("reminder")}
    assert rows["reminder:DDK006:plan-2023:T-7"].status == "cancelled"
    assert "已取消" in rows["reminder:DDK006:plan-2023:T-7"].last_error
    # The other three are still owed: retried (and still failing), not cancelled.
    assert {k for k in report.failed} == {
        f"reminder:DDK006:{d}:T-7" for d in ("targets-2023", "task-list-2023", "deployment-report-2023")
    }
    assert (
        rows["reminder:DDK006:targets-2023:T-7"].status == "pending"
        and rows["reminder:DDK006:targets-2023:T-7"].attempts == 2
    )
    # A later step supersedes the undelivered T-7: it is cancelled and T-1 is due instead.
    planned, _ = run_reminders_without_prefect("2023-05-19")
    rows = {n.key: n for n in notifications("reminder")}
    assert rows["reminder:DDK006:targets-2023:T-7"].status == "cancelled"
    assert "reminder:DDK006:targets-2023:T-1" in {m.key for m in planned.messages}


@pytest.mark.postgres
def test_planning_sql_runs_on_postgresql(campaign_home, postgres_url, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_DATABASE_URL", postgres_url)
    init_database()
    add_submission("DDK001", "plan-2023", "2023-05-16T10:00", "accepted")
    add_submission(
        "DDK002", "plan-2023", "2023-05-18T10:00", "rejected", [{"code": "x", "message": "缺少盖章页", "hint": ""}]
    )
    first, _ = run_reminders_without_prefect("2023-05-19")
    again, _ = run_reminders_without_prefect("2023-05-19T16:00")
    keys = {m.key for m in first.messages}
    assert len(keys) == 35 and "reminder:DDK001:plan-2023:T-1" not in keys and again.messages == []
    body = next(m.body for m in first.messages if m.key == "reminder:DDK002:plan-2023:T-1")
    assert "缺少盖章页" in body
    late, _ = run_reminders_without_prefect("2023-05-25")
    assert late.messages[-1].key == "digest:overdue:2023-05-25" and late.plan.overdue_total == 35
