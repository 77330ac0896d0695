"""`campaign check` finds what a careful reader would: a receipt that was never recorded, an outbox
message whose text differs from the record."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from campaign.calendar.clock import resolve_as_of
from campaign.check.store import check_all
from campaign.cli.app import app
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from notifications.delivery import notify_now
from notifications.outbox import outbox_file_name
from tests.support.filling import fill

AS_OF = resolve_as_of("2023-05-20")


def _file_one(tmp_path) -> str:
    config = load_config()
    template = write_task_list(config, config.enterprise("DDK001"), config.deliverable("task-list-2023"), tmp_path)
    channels = load_channels(get_settings().apprise_config_path)
    outcome = process_file(fill(template, tmp_path / "DDK001_task-list-2023.xlsx"), config, AS_OF, channels)
    assert outcome.accepted and outcome.message_key
    notify_now([], AS_OF, channels, recorded_keys=[outcome.message_key])
    return outcome.message_key


def test_a_consistent_home_has_no_disagreement_and_the_command_says_so(initialized_home, tmp_path):
    _file_one(tmp_path)
    result = CliRunner().invoke(app, ["check", "--as-of", "2023-05-21"])
    assert result.exit_code == 0, result.output
    assert "0 处不一致" in result.output


def test_a_missing_receipt_and_an_altered_outbox_message_are_each_reported(initialized_home, tmp_path):
    key = _file_one(tmp_path)
    outbox_file = next((initialized_home / "outbox").glob("receipt_DDK001*.json"))
    record = json.loads(outbox_file.read_text(encoding="utf-8"))
    outbox_file.write_text(json.dumps({**record, "title": "改过的标题"}, ensure_ascii=False), encoding="utf-8")
    with session_scope() as session:
        found = check_all(session, load_config(), initialized_home, resolve_as_of("2023-05-21"), outbox_file_name)
    assert [(d.area, d.subject, d.report_says) for d in found] == [("消息发件箱", key, "改过的标题")]

    with session_scope() as session:
        session.query(m.Notification).filter(m.Notification.key == key).delete()
    result = CliRunner().invoke(app, ["check", "--as-of", "2023-05-21"])
    assert result.exit_code == 1
    assert f"[回执与退回通知] 通知记录（notification）｜{key}：报告为“（没有）”，数据库为“已接收”" in result.output
