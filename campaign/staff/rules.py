"""SASAC staff accounts: roles and the password rule. Pure: no database, no hashing library."""

from __future__ import annotations

import re

# Each role includes the ones before it: 查看 (read) < 审核 (review files and assessments) < 管理 (accounts,
# waivers, resending).
ROLES = ("查看", "审核", "管理")
MIN_PASSWORD = 12
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")


def role_allows(role: str, required: str) -> bool:
    """Whether `role` may do what `required` is needed for."""
    return role in ROLES and required in ROLES and ROLES.index(role) >= ROLES.index(required)


def username_problem(username: str) -> str | None:
    if not USERNAME.fullmatch(username):
        return f"用户名“{username}”不合规：以小写字母开头，2–40 位小写字母、数字、点、下划线或连字符"
    return None


def password_problems(password: str, username: str) -> list[str]:
    """What is wrong with a new password, in Chinese (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"密码至少 {MIN_PASSWORD} 位")
    if password.isdigit() or password.isalpha():
        problems.append("密码不能只有数字或只有字母")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    if len(set(password)) < 5:
        problems.append("密码中不同的字符太少")
    return problems
