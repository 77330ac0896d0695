"""The intake flow over an inbox with good, hostile and duplicate files (one Prefect harness per session)."""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import select

from campaign.config.model import load_config
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.workbook.generate import write_task_list
from tests.conftest import read_outbox
from tests.support.filling import fill

pytestmark = pytest.mark.flow


def test_intake_flow(prefect_harness, initialized_home, tmp_path):
    from flows.intake import intake

    config = load_config()
    inbox = initialized_home / "inbox"
    inbox.mkdir()
    for code in ("DDK001", "DDK002"):
        tpl = write_task_list(config, config.enterprise(code), config.deliverable("task-list-2023"), tmp_path / code)
        fill(tpl, inbox / tpl.name)
    shutil.copy(inbox / "DDK001_task-list-2023.xlsx", inbox / "DDK001_task-list-2023 - 副本.xlsx")  # same bytes again
    (inbox / "DDK003_task-list-2023.xlsx").write_bytes(b"PK\x03\x04truncated")
    (inbox / os.fsdecode(b"\xb1\xea\xd7\xbc.xlsx")).write_bytes(b"GBK-named, not a workbook")  # non-UTF-8 name

    state = intake(as_of="2023-05-22", return_state=True)
    summary, flow_run_id = state.result(), state.state_details.flow_run_id
    assert {k: summary[k] for k in ("files", "accepted", "rejected", "duplicates", "errors", "failed")} == {
        "files": 5,
        "accepted": 2,
        "rejected": 2,
        "duplicates": 1,
        "errors": 0,
        "failed": 0,
    }
    assert summary["sent"] == 4
    assert sorted(p.name.split("_", 2)[2] for p in (inbox / "processed").iterdir()) == [
        "DDK001_task-list-2023.xlsx",
        "DDK001_task-list-2023_-_副本.xlsx",
        "DDK002_task-list-2023.xlsx",
    ]
    assert sorted(p.name.split("_", 2)[2] for p in (inbox / "rejected").iterdir()) == [
        "DDK003_task-list-2023.xlsx",
        "_.xlsx",
    ]
    with session_scope() as s:
        subs = s.execute(
            select(m.Enterprise.code, m.Submission.version, m.Submission.status, m.Submission.on_time)
            .join(m.Enterprise)
            .order_by(m.Enterprise.code)
        ).all()
        assert s.query(m.TaskItem).count() == 18
    assert [tuple(r) for r in subs] == [
        ("DDK001", 1, "accepted", True),
        ("DDK002", 1, "accepted", True),
        ("DDK003", 1, "rejected", True),
    ]
    notes = read_outbox(initialized_home)
    assert sorted("回执" in n["title"] for n in notes) == [False, False, True, True]
    rejection = next(n for n in notes if "退回" in n["title"])
    assert "文件已损坏，无法读取" in rejection["body"]

    # Re-running over an empty inbox does nothing; nothing is sent twice.
    again = intake(as_of="2023-05-23")
    assert (again["files"], again["sent"]) == (0, 0)
    assert len(read_outbox(initialized_home)) == 4

    import asyncio

    from prefect.client.orchestration import get_client as client_factory
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with client_factory() as client:
            mine = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            return await client.read_artifacts(), await client.read_task_runs(flow_run_filter=mine)

    artifacts, task_runs = asyncio.run(read())
    assert {"intake-files", "intake-summary"} <= {a.key for a in artifacts}
    # One task run for all the files, never one per file (nor one per batch: a day's task runs do not grow with N).
    assert sum(1 for t in task_runs if t.name.startswith("take-inbox-files")) == 1
