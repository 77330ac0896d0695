"""The intake core on PostgreSQL (the scale-out database): versions, rows, idempotence."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.support.filling import fill

pytestmark = pytest.mark.postgres


def test_intake_on_postgres(postgres_url, campaign_home, tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_DATABASE_URL", postgres_url)
    from campaign.db.migrate import init_database

    init_database()
    config = load_config()
    tpl = write_task_list(config, config.enterprise("DDK003"), config.deliverable("task-list-2024"), tmp_path)
    filled = fill(tpl, tmp_path / "DDK003_task-list-2024.xlsx")
    channels = load_channels(get_settings().apprise_config_path)
    first = process_file(filled, config, resolve_as_of("2024-03-01"), channels)
    again = process_file(filled, config, resolve_as_of("2024-03-02"), channels)
    assert (first.status, first.version, again.duplicate, again.version) == ("accepted", 1, True, 1)
    with session_scope() as s:
        sub = s.scalars(select(m.Submission).join(m.Enterprise).where(m.Enterprise.code == "DDK003")).one()
        values = s.scalars(
            select(m.TaskItem.annual_target_value).where(m.TaskItem.submission_id == sub.id).order_by(m.TaskItem.row_no)
        ).all()
        keys = s.scalars(select(m.Notification.key).where(m.Notification.key.like("receipt:DDK003:%"))).all()
    assert values[:3] == [12000.0, 9000.0, 65.0] and len(values) == 9
    assert keys == ["receipt:DDK003:task-list-2024:v1"]
