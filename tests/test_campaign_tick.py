"""The daily clock runs what the planner says, says so on empty days, and a day run twice changes nothing."""
from __future__ import annotations

import sqlalchemy as sa

from campaign.clock import resolve_as_of
from campaign.db import models as m
from campaign.db.session import session_scope
from tests.conftest import read_outbox


def _counts() -> tuple[int, int, int]:
    with session_scope() as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(t)) for t in (m.Notification, m.Submission, m.AuditEvent))


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
