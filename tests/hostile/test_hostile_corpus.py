"""Every hostile file gets a rejection with a clear reason; the batch goes on; nothing stored is touched."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.intake.core import inbox_files, process_paths
from campaign.validation.filename import display_name
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.hostile.make_corpus import HIDDEN_CHARS, build_corpus, filled_attachment1
from tests.support.filling import fill

CONFIG = load_config()
AS_OF = resolve_as_of("2023-05-20")


@pytest.fixture
def corpus(initialized_home, tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_MAX_UPLOAD_BYTES", str(2 * 1024 * 1024))  # keeps the sparse file small too
    tpl = write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2023"), tmp_path / "src")
    filled = fill(tpl, tmp_path / "src" / "filled.xlsx")
    docx = filled_attachment1(CONFIG, tmp_path / "src")
    tpl2 = write_task_list(CONFIG, CONFIG.enterprise("DDK002"), CONFIG.deliverable("task-list-2023"), tmp_path / "src2")
    other = fill(tpl2, tmp_path / "src2" / "filled.xlsx")
    inbox = initialized_home / "inbox"
    expected = build_corpus(inbox, filled, docx, get_settings().max_upload_bytes, other)
    return initialized_home, filled, expected


def test_hostile_files_rejected_with_reason_and_batch_goes_on(corpus):
    home, filled, expected = corpus
    channels = load_channels(get_settings().apprise_config_path)
    # A good version stored before the hostile batch arrives.
    good = home / "good" / "DDK001_task-list-2023.xlsx"
    good.parent.mkdir()
    good.write_bytes(filled.read_bytes())
    [accepted], _ = process_paths([good], CONFIG, AS_OF, channels, move=False)
    with session_scope() as s:
        before = [(r.id, r.version, r.status, r.content_hash, r.stored_path) for r in s.scalars(select(m.Submission))]
    stored = home / accepted_path(before)
    stored_bytes = stored.read_bytes()

    paths = inbox_files(home)
    assert len(paths) == len(expected)
    outcomes, errors = process_paths(paths, CONFIG, AS_OF, channels, move=True)
    assert errors == {}
    by_name = {o.name: o for o in outcomes}
    for name, code in expected.items():
        outcome = by_name[display_name(name)]
        codes = [p["code"] for p in outcome.problems]
        assert outcome.status == "rejected", (name, codes)
        assert code in codes, (name, codes)
        assert all(p["message"] and p["hint"] for p in outcome.problems)
        assert outcome.moved_to.startswith("inbox/rejected/")
    assert inbox_files(home) == []
    assert len(list((home / "inbox" / "rejected").iterdir())) == len(expected)
    assert os.readlink(next(p for p in (home / "inbox" / "rejected").iterdir() if p.is_symlink())) == "/etc/passwd"

    with session_scope() as s:
        after = [
            (r.id, r.version, r.status, r.content_hash, r.stored_path)
            for r in s.scalars(select(m.Submission).order_by(m.Submission.id))
        ]
        assert s.query(m.TaskItem).count() == 9
        assert not s.scalars(
            select(m.Submission).where(m.Submission.status == "rejected", m.Submission.stored_path.is_not(None))
        ).all()
    assert after[0] == before[0] and stored.read_bytes() == stored_bytes
    # Only the accepted file was stored: hostile bytes never enter files/.
    assert [p for p in (home / "files").rglob("*") if p.is_file()] == [stored]


def test_specific_reasons(corpus):
    home, _, _ = corpus
    channels = load_channels(get_settings().apprise_config_path)
    outcomes, _ = process_paths(inbox_files(home), CONFIG, AS_OF, channels, move=False)
    by_name = {o.name: o for o in outcomes}
    bomb = by_name["DDK002_task-list-2023.xlsx"].problems[0]["message"]
    assert "150 MB" in bomb
    formula = by_name["DDK001_task-list-2023 (2).xlsx"]
    assert [p["code"] for p in formula.problems] == ["E_FORMULA"]
    assert formula.problems[0]["message"] == "表格中含有公式（单元格 H5、I6，共 2 处），系统不计算、不采信公式结果。"
    assert (formula.enterprise, formula.deliverable) == ("DDK001", "task-list-2023")  # from the hidden metadata
    # Odd names still identify the enterprise from the workbook metadata, so the enterprise is told.
    odd = by_name["..\\..\\DDK001_task-list-2023.xlsx"]
    assert (odd.enterprise, odd.deliverable) == ("DDK001", "task-list-2023")
    unknown = by_name["notes.txt"]
    assert unknown.enterprise is None and unknown.message_key.startswith("rejection:unknown:unknown:")
    with session_scope() as s:
        note = s.scalars(select(m.Notification).where(m.Notification.key == unknown.message_key)).one()
        assert note.recipient == "sasac" and "无法确定该文件属于哪户企业" in note.body


def test_item5_cases_name_what_was_found(corpus):
    """Issue 15 item 5: each of these was accepted and stored before."""
    home, _, _ = corpus
    channels = load_channels(get_settings().apprise_config_path)
    outcomes, _ = process_paths(inbox_files(home), CONFIG, AS_OF, channels, move=False)
    by_name = {o.name: o for o in outcomes}

    def first(name: str) -> tuple[str, str]:
        found = by_name[name].problems[0]
        return found["code"], found["message"]

    # Found by the OLE signature and the _VBA_PROJECT stream, not by the name vbaProject.bin.
    assert first("DDK001_task-list-2023 (4).xlsx") == (
        "E_MACRO",
        "文件含有宏（内部文件 xl/stuff.dat 是 VBA 宏工程），按安全规定不予接收。",
    )
    assert (
        first("DDK001_task-list-2023 (5).xlsx")[1]
        == "文件含有宏（内容类型声明 /xl/stuff.dat 为宏），按安全规定不予接收。"
    )
    assert first("DDK001_task-list-2023 (6).xlsx")[0] == "E_EMBEDDED"
    # The worksheet lives in xl/worksheets/sheet1.bin: found by its root element, the formulas reported.
    assert first("DDK001_task-list-2023 (7).xlsx") == (
        "E_FORMULA",
        "表格中含有公式（单元格 H6、I7，共 2 处），系统不计算、不采信公式结果。",
    )
    external = {n: first(n) for n in by_name if n.endswith(("(8).xlsx", "(9).xlsx", "(2).docx", "(3).docx"))}
    assert {code for code, _ in external.values()} == {"E_EXTERNAL_LINK"}
    assert "共享文件夹 file:///\\\\fileserver" in external["DDK001_task-list-2023 (8).xlsx"][1]
    assert "链接的图片：http://tracker.example.invalid/p.png" in external["DDK001_task-list-2023 (9).xlsx"][1]
    assert "远程模板：https://templates.example.invalid/normal.dotm" in external["DDK001_targets-2023 (2).docx"][1]
    assert "共享文件夹 \\\\fileserver\\share\\plan.docx" in external["DDK001_targets-2023 (3).docx"][1]
    # 5,600 characters in content controls / text boxes count (the filled text itself is well under 1,500).
    base = by_name["DDK001_targets-2023 (4).docx"]
    for name in ("DDK001_targets-2023 (4).docx", "DDK001_targets-2023 (5).docx"):
        code, message = first(name)
        count = int(message.split("共 ")[1].split(" 字")[0])
        assert code == "E_TOO_LONG" and (by_name[name].enterprise, base.enterprise) == ("DDK001", "DDK001")
        assert HIDDEN_CHARS < count < HIDDEN_CHARS + 1_500, message  # the text-box fallback copy is not counted twice
    # DDK002's workbook with its _meta edited to DDK001: refused, and DDK001 is neither told nor recorded against.
    forged = by_name["DDK001_task-list-2023 (3).xlsx"]
    assert [p["code"] for p in forged.problems] == ["E_META_SIGNATURE"]
    assert forged.enterprise is None and forged.message_key.startswith("rejection:unknown:")
    with session_scope() as s:
        assert s.scalars(select(m.Submission).where(m.Submission.content_hash == forged.sha256)).all() == []
    stripped = by_name["DDK001_task-list-2024.xlsx"]  # _meta deleted: a workbook not made from the issued template
    assert [p["code"] for p in stripped.problems] == ["E_META_SIGNATURE"] and stripped.status == "rejected"
    assert "缺少模板中的隐藏信息" in stripped.problems[0]["message"]


def test_edited_meta_through_the_portal_is_refused_for_the_sender(corpus):
    """With the sender known (a portal session claims DDK002), the edited file is DDK002's own rejection."""
    home, _, _ = corpus
    channels = load_channels(get_settings().apprise_config_path)
    forged = home / "inbox" / "DDK001_task-list-2023 (3).xlsx"
    [outcome], _ = process_paths([forged], CONFIG, AS_OF, channels, move=False, claim=("DDK002", "task-list-2023"))
    assert outcome.status == "rejected" and outcome.enterprise == "DDK002"
    assert "E_META_SIGNATURE" in [p["code"] for p in outcome.problems]


def accepted_path(rows):
    return next(r[4] for r in rows if r[2] == "accepted")
