"""Generate a template, fill it as an enterprise would, submit it through the intake core."""

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
from tests.conftest import read_outbox
from tests.support.filling import fill

CONFIG = load_config()
ON_TIME = resolve_as_of("2023-05-20")


@pytest.fixture
def template(tmp_path):
    return write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2023"), tmp_path / "tpl")


def submit(path, as_of=ON_TIME, claim=None, move=False):
    return process_file(path, CONFIG, as_of, load_channels(get_settings().apprise_config_path), claim=claim, move=move)


def test_valid_task_list_accepted_rows_stored(initialized_home, template, tmp_path):
    filled = fill(template, tmp_path / "DDK001_task-list-2023.xlsx")
    outcome = submit(filled)
    assert (outcome.status, outcome.version, outcome.on_time, outcome.items, outcome.problems) == (
        "accepted",
        1,
        True,
        9,
        [],
    )
    with session_scope() as s:
        sub = s.scalars(select(m.Submission)).one()
        items = s.scalars(select(m.TaskItem).order_by(m.TaskItem.row_no)).all()
    assert (
        sub.status == "accepted"
        and sub.stored_path == f"files/sha256/{sub.content_hash[:2]}/{sub.content_hash[2:4]}/{sub.content_hash}"
    )
    assert (initialized_home / sub.stored_path).read_bytes() == filled.read_bytes()
    first = items[0]
    assert (first.row_no, first.level1, first.level2, first.core_indicator) == (
        5,
        "企业效益",
        "利润总额（万元）",
        "利润总额",
    )
    assert (first.annual_target_text, first.annual_target_value, first.annual_target_unit) == (
        "12000万元",
        12000.0,
        "万元",
    )
    assert (items[1].annual_target_value, items[1].annual_target_unit) == (
        9000.0,
        "万元",
    )  # bare number: unit from the row
    assert (items[2].annual_target_value, items[2].annual_target_unit, items[2].annual_target_comparator) == (
        65.0,
        "%",
        "≤",
    )
    last = items[-1]
    assert (last.level1, last.level2, last.annual_target_value, last.annual_target_unit, last.core_indicator) == (
        "人才队伍建设",
        "本科以上学历占比",
        68.0,
        "%",
        None,
    )
    assert last.measures == "校园招聘、在职学历提升" and last.gap == "23个百分点"


def test_same_bytes_twice_is_one_version_and_one_receipt(initialized_home, template, tmp_path):
    filled = fill(template, tmp_path / "DDK001_task-list-2023.xlsx")
    first = submit(filled)
    again = submit(filled, as_of=resolve_as_of("2023-05-25"))
    assert (again.duplicate, again.version, again.on_time, again.message_key) == (True, 1, True, first.message_key)
    changed = fill(
        template,
        tmp_path / "DDK001_task-list-2023.xlsx",
        core_targets=["13000万元", "9000", "≤65%", "6.5%", "80万元/人", "≥90%"],
    )
    late = submit(changed, as_of=resolve_as_of("2023-05-23"))
    assert (late.version, late.on_time, late.duplicate) == (2, False, False)
    with session_scope() as s:
        assert s.scalar(select(m.Submission.id).where(m.Submission.version == 3)) is None
        keys = s.scalars(select(m.Notification.key).order_by(m.Notification.id)).all()
        assert s.query(m.TaskItem).count() == 18
    assert keys == ["receipt:DDK001:task-list-2023:v1", "receipt:DDK001:task-list-2023:v2"]


def test_receipt_text(initialized_home, template, tmp_path):
    from notifications.delivery import notify_now

    outcome = submit(fill(template, tmp_path / "DDK001_task-list-2023.xlsx"))
    notify_now([], ON_TIME, load_channels(get_settings().apprise_config_path), recorded_keys=[outcome.message_key])
    [note] = read_outbox(initialized_home)
    assert (
        note["title"] == "【大渡口区国有资产监督管理委员会】回执："
        "已接收示例城市建设投资集团有限公司（示例）报送的2023年度目标任务清单（附件2）（第1版）"
    )
    assert "截止日期：2023年5月22日（按时报送）" in note["body"]
    assert "清单共 9 项任务，其中核心指标 6 项。" in note["body"]


def test_rejection_lists_every_problem_with_exact_text(initialized_home, template, tmp_path):
    from notifications.delivery import notify_now

    def edit(wb, ws, col):
        ws.cell(6, col["annual_target"], "稳步提升")
        ws.cell(5, col["score"], 10)
        ws.cell(12, col["level1"], "党的建设")

    outcome = submit(fill(template, tmp_path / "DDK001_task-list-2023.xlsx", edit=edit))
    assert outcome.status == "rejected" and outcome.version == 1
    assert [p["code"] for p in outcome.problems] == ["E_DIMENSION", "E_TARGET_NOT_QUANTIFIED", "E_SASAC_COLUMN_FILLED"]
    notify_now([], ON_TIME, load_channels(get_settings().apprise_config_path), recorded_keys=[outcome.message_key])
    [note] = read_outbox(initialized_home)
    assert outcome.message_key == f"rejection:DDK001:task-list-2023:{outcome.sha256[:12]}"
    assert (
        note["title"]
        == "【大渡口区国有资产监督管理委员会】退回：2023年度目标任务清单（附件2）未通过校验，请修改后重新报送"
    )
    assert "网上报送：请通过本单位专属链接登录报送系统" in note["body"]  # the portal link, added as it is sent
    assert note["body"].startswith(
        "示例城市建设投资集团有限公司（示例）：\n\n"
        "贵单位报送文件“DDK001_task-list-2023.xlsx”未通过校验，本次不予接收。请逐项修改后重新报送：\n\n"
        "1. 第 12 行的一级任务“党的建设”不在对标维度范围内。\n"
        "   修改方法：请从下拉列表选择：产品质量服务质量、市场化经营管理、科技创新、企业效益、人才队伍建设、"
        "数字化变革、企业文化、企业实力、其他；新增维度请选“其他”，并在二级任务中写明。\n"
        "2. 第 6 行（净利润（万元））的年度目标值“稳步提升”未量化。\n"
        "   修改方法：请填写“数值+单位”，如 1200万元、95%、3项、≤65%，不要只写文字描述。\n"
        "3. 第 5 行填写了“年度考核得分”（内容：10）。\n"
        "   修改方法：“计分规则”“年度考核得分”由区国资委填写，请清空这些单元格后重新报送。\n\n"
        "材料：2023年度目标任务清单（附件2）（材料编号 task-list-2023），截止日期 2023年5月22日。\n"
        f"文件校验码（SHA-256）：{outcome.sha256[:12]}\n\n"
        "大渡口区国有资产监督管理委员会\n"
        "2023年5月20日"
    )
    with session_scope() as s:
        sub = s.scalars(select(m.Submission)).one()
        assert (sub.status, sub.stored_path, [e["code"] for e in sub.errors]) == (
            "rejected",
            None,
            outcome and [p["code"] for p in outcome.problems],
        )
        assert s.query(m.TaskItem).count() == 0


def test_safe_name_and_move_never_overwrites(tmp_path):
    import os

    from campaign.intake.store import move_unique, safe_name

    assert safe_name("..\\..\\etc/passwd") == "_.._etc_passwd"
    assert safe_name(os.fsdecode(b"\xb1\xea.xlsx")) == "_.xlsx"
    assert safe_name("DDK001_task-list-2023 - 副本.xlsx") == "DDK001_task-list-2023_-_副本.xlsx"
    dest = tmp_path / "dest"
    made = []
    for content in (b"one", b"two", b"three"):
        src = tmp_path / "in.xlsx"
        src.write_bytes(content)
        made.append(move_unique(src, dest, "same.xlsx"))
        assert not src.exists()
    assert [p.name for p in made] == ["same.xlsx", "same-1.xlsx", "same-2.xlsx"]
    assert [p.read_bytes() for p in made] == [b"one", b"two", b"three"]


def _inbox_with_lists(home, codes, faulty=()):
    """Each enterprise's 2023 task list dropped into the inbox, as the synthetic enterprises file it."""
    from campaign.simulation.data import enterprise_rows
    from campaign.simulation.files import build_file

    years = sorted(CONFIG.final_review.years)
    deliverable = CONFIG.deliverable("task-list-2023")
    paths = []
    for code in codes:
        enterprise = CONFIG.enterprise(code)
        rows = enterprise_rows(CONFIG, enterprise, 1, years)
        paths.append(build_file(CONFIG, enterprise, deliverable, rows, code in faulty, home, home / "inbox"))
    return paths


def test_a_batch_is_one_commit_and_its_files_leave_the_inbox_only_after_it(initialized_home, monkeypatch):
    from sqlalchemy import event

    import campaign.intake.core as core
    from campaign.db.session import get_engine

    codes = [e.code for e in CONFIG.enterprises[:6]]
    paths = _inbox_with_lists(initialized_home, codes, faulty={codes[2]})
    commits, recorded_when_moved = [], []
    listener = lambda _conn: commits.append(1)  # noqa: E731
    event.listen(get_engine(), "commit", listener)
    real_move = core.move_unique

    def watching_move(path, folder, name):
        with get_engine().connect() as c:  # a fresh connection sees only what was committed (and commits nothing)
            query = select(m.Submission.id).where(m.Submission.original_name == path.name)
            recorded_when_moved.append(c.scalar(query))
        return real_move(path, folder, name)

    monkeypatch.setattr(core, "move_unique", watching_move)
    try:
        outcomes, errors = core.process_paths(paths, CONFIG, ON_TIME, load_channels(get_settings().apprise_config_path))
    finally:
        event.remove(get_engine(), "commit", listener)
    assert errors == {} and [o.status for o in outcomes].count("rejected") == 1 and len(outcomes) == 6
    # claims, the six files with their receipts and the rejection, then the claims marked done
    assert len(commits) == 3, commits
    assert len(recorded_when_moved) == 6 and all(recorded_when_moved), "a file moved before its record was committed"
    assert not [p for p in (initialized_home / "inbox").iterdir() if p.is_file()]
    with session_scope() as s:
        kinds = sorted(s.scalars(select(m.Notification.kind)).all())
        claims = s.scalars(select(m.WorkClaim.status)).all()
    assert kinds == ["receipt"] * 5 + ["rejection"] and claims == ["done"] * 6


def test_one_file_failing_in_a_batch_costs_the_others_nothing(initialized_home, monkeypatch):
    import campaign.intake.core as core

    codes = [e.code for e in CONFIG.enterprises[:4]]
    paths = _inbox_with_lists(initialized_home, codes)
    real_record = core.record

    def flaky_record(session, config, exam, path, as_of, home):
        if exam.identity.enterprise == codes[1]:
            raise OSError("磁盘已满")
        return real_record(session, config, exam, path, as_of, home)

    monkeypatch.setattr(core, "record", flaky_record)
    outcomes, errors = core.process_paths(paths, CONFIG, ON_TIME, load_channels(get_settings().apprise_config_path))
    assert [o.enterprise for o in outcomes] == [codes[0], codes[2], codes[3]]
    assert errors == {paths[1].name: "OSError: 磁盘已满"}
    assert [p.name for p in (initialized_home / "inbox").iterdir() if p.is_file()] == [paths[1].name]
    with session_scope() as s:
        filed = sorted(s.scalars(select(m.Enterprise.code).join(m.Submission)).all())
        claims = dict(s.execute(select(m.WorkClaim.status, m.WorkClaim.key)).all())
    assert filed == sorted([codes[0], codes[2], codes[3]]), "each of the others recorded exactly once"
    assert list(claims) == ["done"], "the failed file's claim was given back for the next run"

    monkeypatch.setattr(core, "record", real_record)  # the next run, the disk has room again
    outcomes, errors = core.process_paths(
        core.inbox_files(initialized_home), CONFIG, ON_TIME, load_channels(get_settings().apprise_config_path)
    )
    assert errors == {} and [(o.enterprise, o.version, o.duplicate) for o in outcomes] == [(codes[1], 1, False)]
