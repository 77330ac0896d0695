"""The SASAC overdue digest (issue 11, item 13) is grouped by deliverable with counts, and an item overdue for a
long time moves to a monthly summary after a configurable number of digests instead of being repeated
every day for two years."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from campaign.calendar.clock import TZ
from campaign.config.model import load_config
from campaign.db import models as m
from campaign.reminders.messages import build_overdue_digest
from campaign.reminders.rules import DeliverableLine, OverdueRow, ReminderPlan
from tests.support.reminders import add_submission, notifications, run_reminders_without_prefect

CONFIG = load_config()
POLICY = CONFIG.reminders
LIMIT = POLICY.escalation.digests_before_monthly
PLAN_TITLE = CONFIG.deliverable("plan-2023").title


def _plan(day: date, earlier: list[date]) -> ReminderPlan:
    plan_d = m.Deliverable(code="plan-2023", title=PLAN_TITLE, due=date(2023, 5, 22))
    report_d = m.Deliverable(code="progress-2023h1", title="2023年上半年价值创造行动进展情况", due=date(2023, 7, 15))
    return ReminderPlan(
        as_of=datetime.combine(day, datetime.min.time(), TZ).replace(hour=9),
        day=day,
        working_day=True,
        lines=[
            DeliverableLine("plan-2023", PLAN_TITLE, plan_d.due, None, 9, overdue=1),
            DeliverableLine("progress-2023h1", report_d.title, report_d.due, None, 9, overdue=2),
        ],
        overdue_sample=[
            OverdueRow("DDK003", "丙公司", "progress-2023h1", True),
            OverdueRow("DDK005", "戊公司", "plan-2023", False),
            OverdueRow("DDK005", "戊公司", "progress-2023h1", False),
        ],
        deliverables={"plan-2023": plan_d, "progress-2023h1": report_d},
        earlier_digests=earlier,
    )


def test_the_digest_is_grouped_by_deliverable_with_counts():
    digest = build_overdue_digest(_plan(date(2023, 7, 19), [date(2023, 5, 25)]), POLICY, CONFIG.campaign)
    assert digest.title.endswith("3项报送材料逾期未报")
    body = digest.body
    assert f"1. 《{PLAN_TITLE}》（截止 2023年5月22日，已逾期 58 天）：1 户未报\n   DDK005 戊公司（未报送）" in body
    assert (
        "2. 《2023年上半年价值创造行动进展情况》（截止 2023年7月15日，已逾期 4 天）：2 户未报\n"
        "   DDK003 丙公司（已报送但被退回）；DDK005 戊公司（未报送）"
    ) in body


def test_after_the_configured_number_of_digests_an_item_waits_for_the_monthly_summary():
    earlier = [date(2023, 5, 25) + timedelta(days=7 * k) for k in range(LIMIT)]  # the plan listed LIMIT times
    mid_month = date(2023, 7, 19)
    earlier.append(date(2023, 7, 3))  # July's first digest went out already
    body = build_overdue_digest(_plan(mid_month, earlier), POLICY, CONFIG.campaign).body
    assert PLAN_TITLE not in body  # not repeated
    settled = f"其中 1 项（涉及 1 种材料）已在此前 {LIMIT} 次汇总中列出，改为每月首次汇总时列出，本次不再逐项列出。"
    assert settled in body
    assert "《2023年上半年价值创造行动进展情况》" in body  # the recent one still is

    first_of_august = build_overdue_digest(_plan(date(2023, 8, 1), earlier), POLICY, CONFIG.campaign).body
    listed = f"长期逾期（每月汇总）：\n1. 《{PLAN_TITLE}》（截止 2023年5月22日，已逾期 71 天）：1 户未报"
    assert listed in first_of_august


def test_nothing_is_sent_when_only_long_overdue_items_remain_and_the_month_was_summarised():
    earlier = [date(2023, 5, 25) + timedelta(days=7 * k) for k in range(LIMIT)] + [date(2023, 7, 3)]
    plan = _plan(date(2023, 7, 19), earlier)
    plan.lines = plan.lines[:1]
    plan.overdue_sample = [r for r in plan.overdue_sample if r.deliverable_code == "plan-2023"]
    assert build_overdue_digest(plan, POLICY, CONFIG.campaign) is None


def test_over_three_months_an_item_is_listed_a_handful_of_times_not_daily(initialized_home):
    # Everyone files everything on time except DDK005, which never files its 实施方案.
    for e in CONFIG.enterprises:
        for d in CONFIG.deliverables:
            if d.opens_on <= date(2023, 9, 1) and (e.code, d.id) != ("DDK005", "plan-2023"):
                add_submission(e.code, d.id, f"{d.opens_on.isoformat()}T10:00", "accepted")
    day = date(2023, 5, 23)
    while day <= date(2023, 9, 1):
        run_reminders_without_prefect(day.isoformat())
        day += timedelta(days=1)
    digests = notifications("digest")
    listing = [n.key.rsplit(":", 1)[1] for n in digests if "DDK005 " in n.body and PLAN_TITLE in n.body]
    # LIMIT working-day digests while it was recent, then the first working day of each month: 9 in 102 days
    assert len(listing) == LIMIT + 4 and listing[0] == "2023-05-23"
    assert listing[LIMIT:] == ["2023-06-01", "2023-07-03", "2023-08-01", "2023-09-01"]
    assert len(digests) == len(listing)  # no digest without anything to report
