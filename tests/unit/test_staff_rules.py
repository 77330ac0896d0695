"""Staff roles include the ones below them; a password must be long and varied."""

from __future__ import annotations

import pytest

from campaign.staff.rules import password_problems, role_allows, username_problem


@pytest.mark.parametrize(
    ("role", "required", "allowed"),
    [
        ("查看", "查看", True),
        ("查看", "审核", False),
        ("审核", "查看", True),
        ("审核", "管理", False),
        ("管理", "审核", True),
        ("管理", "管理", True),
        ("访客", "查看", False),
    ],
)
def test_roles_are_ordered(role, required, allowed):
    assert role_allows(role, required) is allowed


def test_password_rule_names_each_problem():
    assert password_problems("Guoziwei-2023!", "wangke") == []
    assert password_problems("11111111111111", "wangke") == ["密码不能只有数字或只有字母", "密码中不同的字符太少"]
    assert password_problems("12345678901234", "wangke") == ["密码不能只有数字或只有字母"]
    assert "密码至少 12 位" in password_problems("Ab1!", "wangke")
    assert "密码不能包含用户名" in password_problems("wangke-2023-xyz", "wangke")


def test_usernames_are_lowercase_identifiers():
    assert username_problem("wangke") is None
    assert "不合规" in (username_problem("王科") or "")
