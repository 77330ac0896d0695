"""`campaign status`: missing / accepted / late / rejected per enterprise and issued deliverable."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from campaign.calendar.clock import resolve_as_of
from campaign.cli.app import app
from campaign.db import models as m
from campaign.db.session import session_scope


def _submit(code: str, deliverable: str, version: int, at: str, status: str, on_time: bool, errors=()) -> None:
    with session_scope() as session:
        ent = session.scalars(sa.select(m.Enterprise).where(m.Enterprise.code == code)).one()
        dlv = session.scalars(sa.select(m.Deliverable).where(m.Deliverable.code == deliverable)).one()
        session.add(
            m.Submission(
                enterprise_id=ent.id,
                deliverable_id=dlv.id,
                version=version,
                content_hash=f"{code}{deliverable}{version}".ljust(64, "0"),
                original_name=f"{code}_{deliverable}.xlsx",
                stored_path=None,
                size_bytes=100,
                received_at=resolve_as_of(at),
                on_time=on_time,
                status=status,
                errors=list(errors),
            )
        )


def test_status_json_reports_each_case(initialized_home):
    _submit("DDK001", "task-list-2023", 1, "2023-05-20", "accepted", True)
    _submit(
        "DDK002", "task-list-2023", 1, "2023-05-21", "rejected", True, [{"code": "E_EMPTY_LIST", "message": "清单为空"}]
    )
    _submit("DDK003", "task-list-2023", 1, "2023-05-24", "accepted", False)
    _submit("DDK004", "task-list-2023", 1, "2023-05-19", "accepted", True)
    _submit("DDK004", "task-list-2023", 2, "2023-05-21", "rejected", True)  # a later bad file does not undo acceptance
    _submit("DDK005", "task-list-2023", 1, "2023-05-30", "accepted", False)  # after the as_of below: not yet seen

    result = CliRunner().invoke(app, ["status", "--as-of", "2023-05-25", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    items = {(i["enterprise"], i["deliverable"]): i for i in data["items"]}
    assert len(items) == 9 * 4  # only the four deployment-phase deliverables are issued by 2023-05-25
    assert items[("DDK001", "task-list-2023")]["status"] == "accepted"
    rejected = items[("DDK002", "task-list-2023")]
    assert (rejected["status"], rejected["status_zh"], rejected["overdue"]) == ("rejected", "已退回", True)
    assert rejected["errors"][0]["code"] == "E_EMPTY_LIST"
    assert items[("DDK003", "task-list-2023")]["status"] == "late"
    assert (items[("DDK004", "task-list-2023")]["status"], items[("DDK004", "task-list-2023")]["version"]) == (
        "accepted",
        1,
    )
    assert (items[("DDK005", "task-list-2023")]["status"], items[("DDK005", "task-list-2023")]["overdue"]) == (
        "missing",
        True,
    )
    assert data["counts"] == {
        "not_started": 0,
        "missing": 32,
        "accepted": 2,
        "late": 1,
        "rejected": 1,
        "waived": 0,
        "filed": 0,
        "overdue": 33,
    }


def test_status_before_the_deadline_is_not_overdue(initialized_home):
    data = json.loads(CliRunner().invoke(app, ["status", "--as-of", "2023-05-22", "--json"]).output)
    assert data["counts"]["missing"] == 36 and data["counts"]["overdue"] == 0


def test_bad_as_of_gets_a_chinese_error(initialized_home):
    result = CliRunner().invoke(app, ["status", "--as-of", "2023/05/30"])
    assert result.exit_code != 0
    assert "格式无效" in result.output
    # A well-formed date that does not exist is named as such, not as a format error.
    result = CliRunner().invoke(app, ["status", "--as-of", "2023-02-30"])
    assert result.exit_code != 0
    assert "不存在" in result.output and "格式无效" not in result.output


def test_deliverables_json_lists_ids_due_dates_and_limits():
    data = json.loads(CliRunner().invoke(app, ["deliverables", "--json"]).output)
    targets = next(d for d in data if d["id"] == "targets-2023")
    assert (targets["due"], targets["char_limit"], targets["phase_name"]) == ("2023-05-22", 1500, "研究部署阶段")
    assert len(data) == 14
