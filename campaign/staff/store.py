"""Staff accounts in the database: add, disable, reset a password, list, and check a sign-in.

Passwords are hashed with argon2id (argon2-cffi); the hash is all that is stored. Every change is an
audit event naming who did it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.errors import InvalidRequest
from campaign.staff.rules import ROLES, password_problems, username_problem

_HASHER = PasswordHasher()
# Verifying against this when the user does not exist keeps a wrong username as slow as a wrong password.
_DUMMY = _HASHER.hash("not-a-real-password-for-timing")


@dataclass(frozen=True)
class StaffAccount:
    username: str
    display_name: str
    role: str
    active: bool
    created_at: datetime
    password_changed_at: datetime


def _account(row: m.StaffUser) -> StaffAccount:
    return StaffAccount(row.username, row.display_name, row.role, row.active, row.created_at, row.password_changed_at)


def _checked_password(password: str, username: str) -> str:
    problems = password_problems(password, username)
    if problems:
        raise InvalidRequest("密码不符合要求：" + "；".join(problems))
    return _HASHER.hash(password)


def add_user(
    session: Session, username: str, display_name: str, role: str, password: str, by: str, at: datetime
) -> StaffAccount:
    problem = username_problem(username)
    if problem:
        raise InvalidRequest(problem)
    if role not in ROLES:
        raise InvalidRequest(f"角色“{role}”不存在，可选：{'、'.join(ROLES)}")
    if session.scalars(select(m.StaffUser).where(m.StaffUser.username == username)).first() is not None:
        raise InvalidRequest(f"用户名“{username}”已存在")
    row = m.StaffUser(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        password_hash=_checked_password(password, username),
        active=True,
        created_at=at,
        password_changed_at=at,
    )
    session.add(row)
    record_audit(
        session, at, by, "staff.added", "staff_user", username, {"role": role, "display_name": row.display_name}
    )
    session.flush()
    return _account(row)


def _existing(session: Session, username: str) -> m.StaffUser:
    row = session.scalars(select(m.StaffUser).where(m.StaffUser.username == username)).first()
    if row is None:
        raise InvalidRequest(f"没有用户名为“{username}”的工作人员账号")
    return row


def disable_user(session: Session, username: str, by: str, at: datetime) -> StaffAccount:
    row = _existing(session, username)
    row.active = False
    record_audit(session, at, by, "staff.disabled", "staff_user", username, {})
    return _account(row)


def reset_password(session: Session, username: str, password: str, by: str, at: datetime) -> StaffAccount:
    row = _existing(session, username)
    row.password_hash, row.password_changed_at = _checked_password(password, username), at
    record_audit(session, at, by, "staff.password_reset", "staff_user", username, {})
    return _account(row)


def list_users(session: Session) -> list[StaffAccount]:
    return [_account(r) for r in session.scalars(select(m.StaffUser).order_by(m.StaffUser.username))]


def authenticate(session: Session, username: str, password: str) -> StaffAccount | None:
    """The account if the password is right and the account active; None otherwise (whatever the reason)."""
    row = session.scalars(select(m.StaffUser).where(m.StaffUser.username == username)).first()
    try:
        _HASHER.verify(row.password_hash if row is not None else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _HASHER.check_needs_rehash(row.password_hash):  # parameters raised since the hash was made
        row.password_hash = _HASHER.hash(password)
    return _account(row)


def active_account(session: Session, username: str) -> StaffAccount | None:
    """The account behind a staff session, re-read on every request: disabling it ends its sessions at once."""
    row = session.scalars(select(m.StaffUser).where(m.StaffUser.username == username)).first()
    return _account(row) if row is not None and row.active else None
