"""Every deliverable with a template gets the enterprise's own copy in outgoing/ when its window opens, and every
template a message names is on disk (the same file the portal serves)."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import process_file
from campaign.web.portal import template_path
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.conftest import read_outbox
from tests.support.filling import fill

TEMPLATE_NAME = re.compile(r"模板[^\n]{0,30}?(DDK\d{3})_([a-z0-9-]+)\.(xlsx|docx)")  # a template a message claims


def named_templates_exist(home) -> int:
    """Every template a sent message claims is the recipient's own file in outgoing/<材料编号>/ (a file-naming
    example such as “例如 DDK001_plan-2023.docx” is not a claim)."""
    named = 0
    for message in read_outbox(home):
        for code, deliverable, ext in TEMPLATE_NAME.findall(message["body"]):
            assert code == message["to"][0]
            assert (home / "outgoing" / deliverable / f"{code}_{deliverable}.{ext}").is_file(), message["key"]
            named += 1
    return named


def test_deployment_notice_names_the_three_templates_written_for_each_enterprise(prefect_harness, initialized_home):
    from flows.deployment_phase import deployment_phase

    deployment_phase(as_of=resolve_as_of("2023-05-12"))

    config = load_config()
    written = sorted(
        p.relative_to(initialized_home / "outgoing").as_posix() for p in (initialized_home / "outgoing").rglob("*.*")
    )
    assert len(written) == 3 * len(config.enterprises)
    assert "targets-2023/DDK001_targets-2023.docx" in written
    assert "task-list-2023/DDK001_task-list-2023.xlsx" in written
    assert "deployment-report-2023/DDK001_deployment-report-2023.docx" in written
    notice = next(m for m in read_outbox(initialized_home) if m["key"] == "notice:deployment:DDK001")
    for name in ("DDK001_targets-2023.docx", "DDK001_task-list-2023.xlsx", "DDK001_deployment-report-2023.docx"):
        assert f"填报模板：区国资委已生成贵单位的模板 {name}，请在此模板上填写。" in notice["body"]
    assert notice["body"].count("填报模板：") == 3  # the 实施方案 has no template, and none is claimed
    assert named_templates_exist(initialized_home) == 3 * len(config.enterprises)
    # The portal serves the very file the notice named.
    with session_scope() as session:
        ent_id = session.scalar(select(m.Enterprise.id).where(m.Enterprise.code == "DDK001"))
        served = template_path(
            session,
            config,
            initialized_home,
            config.enterprise("DDK001"),
            config.deliverable("task-list-2023"),
            ent_id,
            resolve_as_of("2023-05-13"),
        )
    assert served == initialized_home / "outgoing/task-list-2023/DDK001_task-list-2023.xlsx"


def test_completion_notice_says_the_template_is_the_filed_list(prefect_harness, initialized_home, tmp_path):
    from flows.window_notices import window_notices

    config = load_config()
    blank = write_task_list(config, config.enterprise("DDK001"), config.deliverable("task-list-2023"), tmp_path)
    filed = fill(blank, tmp_path / "DDK001_task-list-2023.xlsx")
    channels = load_channels(get_settings().apprise_config_path)
    assert process_file(filed, config, resolve_as_of("2023-05-20"), channels).status == "accepted"

    window_notices(["completion-2023"], as_of=resolve_as_of("2024-01-02"))

    bodies = {m["key"]: m["body"] for m in read_outbox(initialized_home)}
    assert (
        "区国资委已按贵单位备案的2023年度目标任务清单（第1版，9 项任务）生成填报模板：DDK001_completion-2023.xlsx。"
        "任务和年度目标值已锁定，请在“实际完成值”列逐项填写" in bodies["notice:completion-2023:DDK001"]
    )
    assert (
        "贵单位尚无已接收的2023年度目标任务清单，区国资委生成的是空白模板：DDK002_completion-2023.xlsx。"
        in bodies["notice:completion-2023:DDK002"]
    )
    assert named_templates_exist(initialized_home) >= len(config.enterprises)
