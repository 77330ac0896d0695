"""Row claims, so several workers (processes or machines) never do the same piece of work twice.

Two mechanisms, both portable between SQLite and PostgreSQL:

* Items that have no row yet (inbox files): `claim()` INSERTs a `work_claim` row under the item's
  natural key. The unique constraint decides the race: on PostgreSQL the second INSERT waits for the
  first transaction and then does nothing; on SQLite writers are serialised by the database lock.
  Either way exactly one worker sees "inserted 1 row".
* Rows that exist already (pending notifications): see notifications/delivery.py. On PostgreSQL the
  candidates are picked with `SELECT ... FOR UPDATE SKIP LOCKED` inside one atomic UPDATE to
  status 'sending'; on SQLite the same UPDATE ... WHERE status = 'pending' runs under the single
  writer lock (its equivalent of SKIP LOCKED is waiting for the lock, bounded by busy_timeout).

Claims are leases: a worker that dies mid-item leaves a claim that another worker may take over
once `lease` has passed. Leases are measured on the wall clock (real elapsed time), not on the
business `as_of` time the flows run at. A claim whose owner was a process on this very machine that no
longer exists is taken over at once: the owner's identity holds its host and pid (a reused pid looks
alive, and then the lease still decides, so nothing is ever processed twice).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, Result, Table, delete, or_, select, update
from sqlalchemy.orm import Session

from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.db.upsert import insert_ignoring_conflicts

INBOX = "inbox"
DEFAULT_LEASE = timedelta(minutes=30)


def worker_identity() -> str:
    """host:pid:random — unique per call site, readable in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:200]


def owner_gone(owner: str) -> bool:
    """True when `owner` (host:pid:…) names a process of this host that has exited. Unknown = alive."""
    host, _, rest = owner.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)  # signal 0: existence check only
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def wall_clock() -> datetime:
    return datetime.now(UTC)


def why_held(session: Session, kind: str, key: str, lease: timedelta = DEFAULT_LEASE) -> str:
    """Why `claim()` just refused (kind, key), in words for the person who ran the command."""
    from campaign.calendar.clock import TZ

    row = session.execute(
        select(m.WorkClaim.status, m.WorkClaim.claimed_by, m.WorkClaim.claimed_at).where(
            m.WorkClaim.kind == kind, m.WorkClaim.key == key
        )
    ).one_or_none()
    if row is None:
        return "另一进程刚放弃处理该文件，再次运行即处理"
    status, owner, since = row
    host, _, rest = (owner or "").partition(":")
    pid = rest.split(":", 1)[0]
    if status == "done":
        return f"已由主机 {host} 上的进程 {pid} 处理完毕"
    since = since if since.tzinfo else since.replace(tzinfo=UTC)  # SQLite returns naive UTC
    at = f"{since.astimezone(TZ):%Y-%m-%d %H:%M:%S}"
    if host == socket.gethostname():
        return f"正由本机仍在运行的进程 {pid} 处理（自 {at} 起）；该进程结束后再次运行即处理"
    until = f"{(since + lease).astimezone(TZ):%Y-%m-%d %H:%M:%S}"
    return f"正由主机 {host} 上的进程 {pid} 处理（自 {at} 起）；该进程若已中断，{until} 租约到期后再次运行即接手"


def _rowcount(result: Result) -> int:
    # Session.execute() is typed as returning Result; for an UPDATE or DELETE it is a CursorResult (with rowcount).
    return cast(CursorResult, result).rowcount


def claim(
    session: Session,
    kind: str,
    key: str,
    worker: str,
    *,
    now: datetime | None = None,
    lease: timedelta | None = DEFAULT_LEASE,
) -> bool:
    """Take (kind, key) for `worker`. True = this worker owns it now; False = someone else does or did."""
    now = now or wall_clock()
    row = {"kind": kind, "key": key, "status": "claimed", "claimed_by": worker, "claimed_at": now}
    # Declarative types __table__ as FromClause (it may be a join); this class maps a plain Table.
    if insert_ignoring_conflicts(session, cast(Table, m.WorkClaim.__table__), [row], ["kind", "key"]):
        return True
    if lease is None:
        return False
    # A claim still 'claimed' after its lease, or whose owner process has exited, belongs to a worker that
    # died: take it over, atomically (the UPDATE names the owner seen, so two takers cannot both win).
    owner = session.scalar(
        select(m.WorkClaim.claimed_by).where(
            m.WorkClaim.kind == kind, m.WorkClaim.key == key, m.WorkClaim.status == "claimed"
        )
    )
    abandoned = m.WorkClaim.claimed_at < now - lease
    if owner is not None and owner_gone(owner):
        abandoned = or_(abandoned, m.WorkClaim.claimed_by == owner)
    taken = session.execute(
        update(m.WorkClaim)
        .where(m.WorkClaim.kind == kind, m.WorkClaim.key == key, m.WorkClaim.status == "claimed", abandoned)
        .values(claimed_by=worker, claimed_at=now)
    )
    return _rowcount(taken) == 1


def finish(session: Session, kind: str, key: str, worker: str, *, now: datetime | None = None) -> bool:
    """Mark the item done (never claimable again). False if the lease was lost to another worker."""
    done = session.execute(
        update(m.WorkClaim)
        .where(
            m.WorkClaim.kind == kind,
            m.WorkClaim.key == key,
            m.WorkClaim.claimed_by == worker,
            m.WorkClaim.status == "claimed",
        )
        .values(status="done", finished_at=now or wall_clock())
    )
    return _rowcount(done) == 1


def release(session: Session, kind: str, key: str, worker: str) -> bool:
    """Give the item back (e.g. a transient failure) so the next run retries it."""
    gone = session.execute(
        delete(m.WorkClaim).where(
            m.WorkClaim.kind == kind,
            m.WorkClaim.key == key,
            m.WorkClaim.claimed_by == worker,
            m.WorkClaim.status == "claimed",
        )
    )
    return _rowcount(gone) == 1


# -- inbox files: each call is its own committed transaction, so the claim is visible at once --------


def claim_inbox_file(path_key: str, worker: str, *, lease: timedelta | None = DEFAULT_LEASE) -> bool:
    """Claim one inbox file for processing. `path_key` must name the file *version* (e.g. its path
    relative to the inbox plus its content hash), so a corrected re-upload under the same name is new work."""
    with session_scope() as session:
        return claim(session, INBOX, path_key, worker, lease=lease)


def finish_inbox_file(path_key: str, worker: str) -> bool:
    with session_scope() as session:
        return finish(session, INBOX, path_key, worker)


def claim_inbox_files(path_keys: list[str], worker: str) -> dict[str, str]:
    """Claim a batch of inbox files in one transaction. Returns {key: why} for those another worker holds
    (every key not in it is this worker's now)."""
    held: dict[str, str] = {}
    if not path_keys:
        return held
    with session_scope() as session:
        for key in path_keys:
            if not claim(session, INBOX, key, worker):
                held[key] = why_held(session, INBOX, key)
    return held


def settle_inbox_files(done: list[str], failed: list[str], worker: str) -> None:
    """After a batch: mark the recorded and moved files done, give the failed ones back, in one transaction."""
    if not done and not failed:
        return
    with session_scope() as session:
        for key in done:
            finish(session, INBOX, key, worker)
        for key in failed:
            release(session, INBOX, key, worker)


def release_inbox_file(path_key: str, worker: str) -> bool:
    with session_scope() as session:
        return release(session, INBOX, path_key, worker)
