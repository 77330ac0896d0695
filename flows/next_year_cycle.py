"""新年度目标任务及清单 (seed §三(二)二, 2024年初): open next year's filing with lists pre-filled from last year."""

from __future__ import annotations

from prefect import flow

from campaign.calendar.clock import AsOfParam, resolve_as_of
from tasks.artifacts import publish_summary
from tasks.db import prepare_database
from tasks.next_year import prepare_next_year
from tasks.notify import fail_if_undelivered, notify_all


@flow(
    name="next-year-cycle",
    description="新年度编制：按各企业上年度目标任务清单及完成情况、考核得分预填本年度清单，连同目标任务模板下发通知；"
    "截止提醒由 reminders 流程按配置的截止日期发送。",
)
def next_year_cycle(year: int, as_of: AsOfParam = None) -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    messages = prepare_next_year(year, as_of)
    delivery = notify_all(messages, as_of)
    result = {
        "year": year,
        "notices": len(messages),
        "newly_recorded": delivery.recorded,
        "sent": len(delivery.sent),
        "failed": len(delivery.failed),
        "unknown": len(delivery.unknown),  # no answer in time: held, not resent
    }
    publish_summary(
        f"next-year-cycle-{year}",
        f"{year}年度目标任务及清单：已下发",
        as_of.date().isoformat(),
        {"通知企业（户）": len(messages), "本次发送": result["sent"], "发送失败": result["failed"]},
    )
    fail_if_undelivered(delivery, "通知", result)
    return result
