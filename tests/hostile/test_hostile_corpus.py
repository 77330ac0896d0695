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
from campaign.documents.generate import write_document
from campaign.intake.core import inbox_files, process_paths
from campaign.validation.filename import display_name
from campaign.workbook.generate import write_task_list
from notifications.channels import load_channels
from tests.hostile.make_corpus import build_corpus
from tests.support.filling import fill

CONFIG = load_config()
AS_OF = resolve_as_of("2023-05-20")


@pytest.fixture
def corpus(initialized_home, tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_MAX_UPLOAD_BYTES", str(2 * 1024 * 1024))  # keeps the sparse file small too
    tpl = write_task_list(CONFIG, CONFIG.enterprise("DDK001"), CONFIG.deliverable("task-list-2023"), tmp_path / "src")
    filled = fill(tpl, tmp_path / "src" / "filled.xlsx")
    docx = write_document(CONFIG.enterprise("DDK001"), CONFIG.deliverable("targets-2023"), tmp_path / "src")
    inbox = initialized_home / "inbox"
    expected = build_corpus(inbox, filled, docx, get_settings().max_upload_bytes)
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


def accepted_path(rows):
    return next(r[4] for r in rows if r[2] == "accepted")
