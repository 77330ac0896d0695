"""A reminder's title and body state the same, true distance to the deadline (issue 11, item 9), also when a
step moves to an earlier working day: a "截止前1天提醒" is never sent three days before."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from campaign.calendar.clock import TZ
from campaign.config.model import load_config
from campaign.db import models as m
from campaign.reminders.messages import build_reminder_messages, step_label_zh
from campaign.reminders.rules import reminder_calendar, reminder_key
from campaign.reminders.store import ReminderItem, ReminderPlan

CONFIG = load_config()
POLICY = CONFIG.reminders


def _message(deliverable, step_name: str, day: date):
    d = m.Deliverable(
        code=deliverable.id,
        title=deliverable.title,
        due=deliverable.due,
        opens_on=deliverable.opens_on,
        file_kinds=list(deliverable.file_kinds),
        char_limit=deliverable.char_limit,
    )
    key = reminder_key("DDK001", d.code, step_name)
    item = ReminderItem(key, "DDK001", "示例企业", d.code, step_name, step_name.startswith("overdue"))
    plan = ReminderPlan(
        as_of=datetime.combine(day, datetime.min.time(), TZ).replace(hour=9),
        day=day,
        working_day=True,
        items=[item],
        deliverables={d.code: d},
    )
    return build_reminder_messages(plan, CONFIG.campaign)[0]


def _steps():
    for d in CONFIG.deliverables:
        for step in reminder_calendar(d.due, POLICY, d.opens_on):
            if not step.overdue:
                yield pytest.param(d, step, id=f"{d.id}-{step.name}")


@pytest.mark.parametrize(("deliverable", "step"), list(_steps()))
def test_title_and_body_state_the_same_true_distance(deliverable, step):
    msg = _message(deliverable, step.name, step.on)
    true_days = (deliverable.due - step.on).days
    if true_days == 0:
        assert msg.title.startswith(f"【{CONFIG.campaign.issuer}】截止日提醒") and "今日截止" in msg.title
        assert "今天" in msg.body and "是截止日" in msg.body
        return
    label = re.search(r"截止前(\d+)天提醒", msg.title)
    assert label and int(label.group(1)) == true_days, msg.title
    assert f"{true_days}天后截止" in msg.title
    assert f"距截止还有 {true_days} 天" in msg.body


def test_a_step_moved_before_a_weekend_says_how_far_the_deadline_really_is():
    # 2023-05-22 is a Monday: T-1 (Sunday 05-21) goes out on Friday 05-19, three days before
    targets = CONFIG.deliverable("targets-2023")
    moved = next(s for s in reminder_calendar(targets.due, POLICY, targets.opens_on) if s.name == "T-1")
    assert moved.on == date(2023, 5, 19)
    msg = _message(targets, "T-1", moved.on)
    assert "截止前1天" not in msg.title
    assert msg.title.startswith(f"【{CONFIG.campaign.issuer}】截止前3天提醒：《{targets.title}》3天后截止")
    assert "距截止还有 3 天（今天是 2023年5月19日，星期五）" in msg.body


def test_the_label_keeps_its_nominal_distance_when_nothing_moved():
    assert step_label_zh("T-7") == "截止前7天提醒" and step_label_zh("T-7", 7) == "截止前7天提醒"
    assert step_label_zh("T0", 2) == "截止前2天提醒" and step_label_zh("T0", 0) == "截止日提醒"
    assert step_label_zh("overdue-2", -9) == "第2次逾期提醒"
