"""`campaign users`: accounts with roles, argon2 hashes only, every change audited, disabled accounts refused."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from campaign.cli.app import app
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.staff.store import authenticate

PASSWORD = "Guoziwei-2023!"


def _users(*args: str, password: str | None = None):
    return CliRunner().invoke(app, ["users", *args], input=None if password is None else password + "\n")


def test_an_account_signs_in_with_its_password_only_and_stores_no_password(initialized_home):
    added = _users(
        "add", "wangke", "--role", "审核", "--name", "王科长", "--by", "管理员", "--password-stdin", password=PASSWORD
    )
    assert added.exit_code == 0, added.output
    assert "已新增账号 wangke（王科长，角色：审核）" in added.output
    with session_scope() as session:
        stored = session.scalars(sa.select(m.StaffUser.password_hash)).one()
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert authenticate(session, "wangke", PASSWORD).role == "审核"
        assert authenticate(session, "wangke", PASSWORD + "x") is None
        assert authenticate(session, "nobody", PASSWORD) is None


def test_disable_and_reset_are_audited_and_take_effect(initialized_home):
    _users("add", "lizhang", "--role", "管理", "--by", "系统", "--password-stdin", password=PASSWORD)
    new = "Another-pass-2024"
    assert _users("reset-password", "lizhang", "--by", "系统", "--password-stdin", password=new).exit_code == 0
    with session_scope() as session:
        assert authenticate(session, "lizhang", PASSWORD) is None and authenticate(session, "lizhang", new)
    assert "已停用账号 lizhang" in _users("disable", "lizhang", "--by", "系统").output
    with session_scope() as session:
        assert authenticate(session, "lizhang", new) is None
        actions = session.scalars(
            sa.select(m.AuditEvent.action).where(m.AuditEvent.entity == "staff_user").order_by(m.AuditEvent.id)
        ).all()
    assert actions == ["staff.added", "staff.password_reset", "staff.disabled"]
    listed = _users("list")
    assert "lizhang" in listed.output and "已停用" in listed.output and "argon2" not in listed.output


def test_a_weak_password_a_bad_role_or_a_duplicate_is_refused_with_the_reason(initialized_home):
    from campaign.errors import InvalidRequest

    weak = _users("add", "zhao", "--role", "查看", "--by", "系统", "--password-stdin", password="short1!")
    assert isinstance(weak.exception, InvalidRequest) and "密码至少 12 位" in str(weak.exception)
    bad_role = _users("add", "zhao", "--role", "超级", "--by", "系统", "--password-stdin", password=PASSWORD)
    assert isinstance(bad_role.exception, InvalidRequest) and "角色“超级”不存在" in str(bad_role.exception)
    assert _users("add", "zhao", "--role", "查看", "--by", "系统", "--password-stdin", password=PASSWORD).exit_code == 0
    again = _users("add", "zhao", "--role", "查看", "--by", "系统", "--password-stdin", password=PASSWORD)
    assert "已存在" in str(again.exception)
    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(m.StaffUser)) == 1
