"""The daily clock runs what the planner says, says so on empty days, and a day run twice changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.calendar.clock import resolve_as_of
from campaign.db import models as m
from campaign.db.session import session_scope
from tests.conftest import read_outbox


def _counts() -> tuple[int, int, int]:
    with session_scope() as session:
        return tuple(
            session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in (m.Notification, m.Submission, m.AuditEvent)
        )


def test_tick_runs_the_day_once(prefect_harness, initialized_home):
    from flows.campaign_tick import campaign_tick

    empty = campaign_tick(as_of=resolve_as_of("2023-05-13"))
    assert empty["steps"] == [] and "无安排" in empty["message"]

    first = campaign_tick(as_of=resolve_as_of("2023-05-12"))
    assert first["steps"] == ["intake", "deployment"]
    assert first["results"]["deployment"]["sent"] == 9
    before, outbox = _counts(), sorted(p["key"] for p in read_outbox(initialized_home))
    again = campaign_tick(as_of=resolve_as_of("2023-05-12"))
    assert again.get("skipped") and "已运行过" in again["message"]
    assert _counts() == before and sorted(p["key"] for p in read_outbox(initialized_home)) == outbox


def test_unattended_assessment_without_a_deployment_asks_for_action(prefect_harness, initialized_home):
    import pytest

    from campaign.errors import ActionRequired
    from flows.campaign_tick import campaign_tick

    with pytest.raises(ActionRequired) as exc:
        campaign_tick(as_of=resolve_as_of("2024-02-05"))
    assert "campaign assess 2023" in str(exc.value)
    with session_scope() as session:  # not marked done: the next run tries again
        assert session.scalar(sa.select(m.AuditEvent.id).where(m.AuditEvent.action == "clock.tick")) is None


def test_unattended_assessment_starts_a_separate_deployment_run(prefect_harness, initialized_home):
    """With the deployment registered, the tick does not wait for SASAC's review: it starts the run and moves on."""
    from prefect import get_client

    from flows.annual_assessment import annual_assessment
    from flows.campaign_tick import campaign_tick

    annual_assessment.to_deployment(name="annual-assessment").apply()
    result = campaign_tick(as_of=resolve_as_of("2024-02-05"))
    started = result["results"]["assessment:2023"]
    assert started["status"] == "started"
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(started["flow_run_id"])
    assert run.parameters["year"] == 2023 and run.parameters["as_of"].startswith("2024-02-05T09:00")
    again = campaign_tick(as_of=resolve_as_of("2024-02-05"), force=True)
    assert again["results"]["assessment:2023"]["flow_run_id"] == started["flow_run_id"]  # no second run
