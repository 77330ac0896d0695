"""Reminders after real intake: an accepted `campaign submit` stops them; a rejected one is quoted."""

from __future__ import annotations

from tests.db.test_submit_cli import make_template, submit
from tests.support.filling import fill
from tests.support.reminders import run_reminders_without_prefect


def test_intake_outcomes_drive_the_next_reminders(initialized_home, tmp_path):
    code, data = submit(fill(make_template(tmp_path / "a", "DDK001")), "DDK001", as_of="2023-05-17T10:00")
    assert (code, data["status"]) == (0, "accepted")
    code, data = submit(make_template(tmp_path / "b", "DDK002"), "DDK002", as_of="2023-05-18T10:00")  # left blank
    assert (code, data["status"]) == (3, "rejected") and data["problems"]

    planned, report = run_reminders_without_prefect("2023-05-19")
    keys = {m.key for m in planned.messages}
    assert "reminder:DDK001:task-list-2023:T-1" not in keys
    assert "reminder:DDK001:plan-2023:T-1" in keys  # still owes the other deliverables
    body = next(m.body for m in planned.messages if m.key == "reminder:DDK002:task-list-2023:T-1")
    assert "上次报送未通过审核：第1版（2023年5月18日收到）已退回" in body
    first = data["problems"][0]
    assert first["message"] in body
    line = next(line for line in planned.plan.lines if line.code == "task-list-2023")
    assert (line.submitted, line.to_send) == (1, 8) and not report.failed
