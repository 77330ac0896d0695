"""Who is asking on the SASAC console: the staff session, its expiry and the role a route needs.

A staff session lives in the same signed cookie as the portal's, under its own key, and never
together with an enterprise's: signing in as one clears the other. Every request re-reads the
account, so disabling it or resetting its password ends its sessions at once. Sessions end after
`web.session_hours` in all and after `web.staff_idle_minutes` without a request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from campaign.db.session import session_scope
from campaign.staff.rules import role_allows
from campaign.staff.store import StaffAccount, active_account
from campaign.web import links

STAFF_KEY = "staff"


class StaffNotSignedIn(Exception):
    """No valid staff session: the console answers with its sign-in page (401)."""

    def __init__(self, reason: str = "signed_out") -> None:
        super().__init__(reason)
        self.reason = reason  # signed_out | expired | idle | ended


class RoleTooLow(Exception):
    """Signed in, but the route needs a higher role (403)."""

    def __init__(self, required: str) -> None:
        super().__init__(required)
        self.required = required


@dataclass(frozen=True)
class Staff:
    username: str
    display_name: str
    role: str
    csrf: str

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"

    def may(self, required: str) -> bool:
        return role_allows(self.role, required)


def start_session(request: Request, account: StaffAccount, csrf: str) -> None:
    """A fresh session for this account (no fixation: whatever the cookie held before is dropped)."""
    now = links.wall_clock().timestamp()
    request.session.clear()
    request.session[STAFF_KEY] = {"u": account.username, "at": now, "seen": now, "csrf": csrf}


def current_staff(request: Request) -> Staff:
    """The one identity dependency of every console route."""
    data = request.session.get(STAFF_KEY)
    if not isinstance(data, dict) or not all(isinstance(data.get(k), t) for k, t in _SHAPE.items()):
        raise StaffNotSignedIn()
    web = request.app.state.portal.config.web
    now = links.wall_clock().timestamp()
    if now - data["at"] > web.session_hours * 3600:
        request.session.clear()
        raise StaffNotSignedIn("expired")
    if now - data["seen"] > web.staff_idle_minutes * 60:
        request.session.clear()
        raise StaffNotSignedIn("idle")
    with session_scope() as db:
        account = active_account(db, data["u"])
    # Disabled, or the password changed since this sign-in (a reset ends the sessions opened before it).
    if account is None or account.password_changed_at.timestamp() > data["at"]:
        request.session.clear()
        raise StaffNotSignedIn("ended")
    request.session[STAFF_KEY] = {**data, "seen": now}
    return Staff(account.username, account.display_name, account.role, data["csrf"])


_SHAPE = {"u": str, "at": float, "seen": float, "csrf": str}


def require_role(required: str) -> Callable[..., Staff]:
    """A dependency: the signed-in staff member, if their role is at least `required` (查看 < 审核 < 管理)."""

    def dependency(staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
        if not staff.may(required):
            raise RoleTooLow(required)
        return staff

    return dependency
