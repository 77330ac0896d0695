"""Record messages under their natural key, then deliver the pending ones through Apprise.

Recording and sending are separate steps: a message is written as `pending` first (insert-or-ignore
on its key), and only a successful Apprise send marks it `sent`. A crash between the two leaves a
pending row that the next run delivers; the outbox file name is the key, so it is never doubled.

Failures are retried within the run with exponential backoff, counted in `attempts` and described
(redacted) in `last_error`; the row stays `pending` for the next run until `max_attempts`. A URL
that keeps failing is skipped for the rest of the run so the other channels and recipients go on.
URLs carry tokens: nothing here logs, returns or stores one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

import apprise
from sqlalchemy import Engine, Table, and_, bindparam, or_, select, union_all, update
from sqlalchemy.orm import Session, aliased

import notifications.outbox  # noqa: F401  (registers the outbox:// schema with Apprise)
from campaign.db import models as m
from campaign.db.claims import owner_gone, wall_clock, worker_identity
from campaign.errors import ConfigError
from campaign.notices.message import OutgoingMessage
from campaign.notices.store import record_messages, retire_settled_reminders
from campaign.web.links import MessageLinks
from notifications.channels import Channels, with_delivery_metadata
from notifications.email import email_html

EMAIL_SCHEMES = ("mailto://", "mailtos://")
# Apprise's custom HTTP plugins send user headers with every request: the message key goes along.
IDEMPOTENT_HTTP = ("json://", "jsons://", "form://", "forms://", "xml://", "xmls://")
IDEMPOTENCY_HEADER = "Idempotency-Key"


class _RedactingFilter(logging.Filter):
    """Apprise's own debug/warning lines can quote the URL (and so the token): rewrite them first."""

    def __init__(self) -> None:
        super().__init__("apprise-redact")
        self.channels: list[Channels] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if self.channels:
            text = record.getMessage()
            for channels in self.channels:
                text = channels.redact(text)
            record.msg, record.args = text, None
        return True


_FILTER = _RedactingFilter()
# Logger filters do not apply to records from child loggers, so every logger that can quote a
# request line (urllib3 logs "POST /hook/<token>" at debug level) gets the filter itself.
for _name in ("apprise", "urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry", "requests"):
    logging.getLogger(_name).addFilter(_FILTER)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # key -> redacted error (still pending or failed for good)
    # key -> redacted error: no answer within the channel's timeout, so the receiver may have it. Held
    # (status 'unknown', never resent by itself) under the default policy; see DeliveryPolicy.unknown_outcome.
    unknown: dict[str, str] = field(default_factory=dict)
    # Delivered after an attempt of unknown outcome (policy "resend"): the receiver may hold two copies.
    maybe_duplicated: list[str] = field(default_factory=list)
    retried: int = 0  # attempts beyond the first, over all messages
    recorded: int = 0  # messages newly recorded by the run that delivered them (notify_all)
    earlier: int = 0  # of the messages this call handled, how many an earlier (interrupted or failed) run recorded

    @property
    def undelivered(self) -> dict[str, str]:
        """Everything not known to be delivered: failed (retried later or for good) and outcome unknown."""
        return {**self.failed, **{k: f"结果不明（可能已送达）：{v}" for k, v in self.unknown.items()}}


def _tag(recipient: str):
    # Apprise 2 stores tags as AppriseTag objects (lowercased); Apprise 1.9 as plain strings.
    tag_type = getattr(apprise, "AppriseTag", None)
    return tag_type.parse(recipient) if tag_type is not None else recipient


def _asset() -> apprise.AppriseAsset:
    # Memory-only: Apprise must not write its own cache files next to the user's profile.
    return apprise.AppriseAsset(storage_mode="memory", async_mode=False)


class Sender:
    """One run's sending state: parsed Apprise clients per URL and a per-URL circuit breaker."""

    def __init__(self, channels: Channels, sleep: Callable[[float], None] = time.sleep):
        self.channels = channels
        self.policy = channels.delivery
        self.sleep = sleep
        self._clients: dict[str, apprise.Apprise] = {}
        self._failures: dict[str, int] = {}  # url -> consecutive messages that failed on it

    def __enter__(self) -> Sender:
        _FILTER.channels.append(self.channels)
        # Apprise logs its warnings while handling the HTTP library's exception, whose text holds the
        # full URL. If any log handler then fails (e.g. a closed stream), logging.handleError prints
        # that chained exception, token included, to stderr. Not while we send.
        self._raise_exceptions, logging.raiseExceptions = logging.raiseExceptions, False
        return self

    def __exit__(self, *exc) -> None:
        logging.raiseExceptions = self._raise_exceptions
        _FILTER.channels.remove(self.channels)

    def _client(self, url: str, recipient: str, key: str, at: str) -> apprise.Apprise | None:
        if url.lower().startswith("outbox://"):  # the URL carries the key: not reusable
            client = apprise.Apprise(asset=_asset())
            return client if client.add(with_delivery_metadata(url, key, at), tag=recipient) else None
        # One parsed client per URL for the run (parsing costs ~1 ms). The URL is shared by many
        # recipients (every enterprise on `default`), so it is re-tagged for the message at hand and
        # notify() still selects by tag; accumulating 10,000 tags made each match O(tags).
        cached = self._clients.get(url)
        if cached is None:
            cached = apprise.Apprise(asset=_asset())
            if not cached.add(url, tag=recipient):
                return None
            self._clients[url] = cached
        service = cached[0]
        service.tags = {_tag(recipient)}
        if url.lower().startswith(IDEMPOTENT_HTTP):
            # The plugin sends its `headers` with every request: a receiver can drop a second copy by this key.
            service.headers[IDEMPOTENCY_HEADER] = key  # type: ignore[attr-defined]
        return cached

    def _attempt(
        self, url: str, recipient: str, key: str, title: str, body: str, at: str, attach: Sequence[str] = ()
    ) -> Attempt:
        client = self._client(url, recipient, key, at)
        if client is None:
            return Attempt(self.channels.redact(f"无法识别的通知渠道地址：{url}"))
        # Only email carries files; chat robots get the text (with the portal link to download them).
        files = list(attach) if attach and url.lower().startswith(EMAIL_SCHEMES) else None
        if url.lower().startswith(EMAIL_SCHEMES):
            # Email gets an HTML body built from the same text (paragraphs, numbered items, signature
            # lines); the text/plain part is derived from it. Without a format, Apprise took the text
            # for HTML: one run-on paragraph in both parts.
            result = client.notify(
                title=title,
                body=email_html(body),
                body_format=apprise.NotifyFormat.HTML,
                tag=recipient,
                attach=files,
            )
        else:
            result = client.notify(title=title, body=body, tag=recipient, attach=files)
        # Apprise 2 answers with an AppriseResult: NOMATCH means no service carries this recipient's tag,
        # which is a configuration mistake, not a delivery failure to retry.
        if result.status is apprise.AppriseResultStatus.NOMATCH:
            raise ConfigError(
                [f"收件人 {recipient} 没有匹配的通知渠道（{self.channels.redact(url)}），请检查 config/apprise.yaml"]
            )
        if result:
            return Attempt(None)
        # The result carries the warnings the service logged during the call (no global log capture needed).
        detail = " ".join(e.message.strip() for e in result.logs() if e.message.strip())
        if result.status is apprise.AppriseResultStatus.TIMEOUT or _no_answer_in_time(client, result, detail):
            return Attempt(self.channels.redact(f"通知渠道在超时时间内没有应答，对方可能已收到（{url}）"), unknown=True)
        return Attempt(self.channels.redact(detail or "通知渠道返回失败")[:1000])

    def open_circuit(self, url: str) -> bool:
        return self._failures.get(url, 0) >= self.policy.circuit_after

    def send(self, recipient: str, key: str, title: str, body: str, at: str, attach: Sequence[str] = ()) -> SendOutcome:
        """Deliver to every URL of the recipient.

        A URL that succeeded is not sent to again within the run; only the failing ones are retried.
        A URL whose attempt may have arrived (no answer in time) is retried only under the "resend"
        policy. The error is kept even when a retry succeeded, so the record shows what went wrong.
        """
        urls = list(self.channels.urls_for(recipient))
        if not urls:
            raise ConfigError(
                [f"收件人 {recipient} 没有配置通知渠道：请在 config/apprise.yaml 的 recipients 或 default 中配置"]
            )
        resend = self.policy.unknown_outcome == "resend"
        outcome = SendOutcome()
        held: list[str] = []  # URLs that may have the message: not sent to again
        for round_no in range(self.policy.attempts_per_run):
            live = [u for u in urls if not self.open_circuit(u)]
            if not live:
                outcome.error = outcome.error or "通知渠道本次运行已连续失败，暂停发送，下次运行重试"
                break
            if round_no:
                self.sleep(min(self.policy.backoff_seconds * 2 ** (round_no - 1), self.policy.max_backoff_seconds))
            outcome.attempts += 1
            failed = []
            for url in live:
                attempt = self._attempt(url, recipient, key, title, body, at, attach)
                if attempt.problem is None:
                    self._failures[url] = 0
                    continue
                outcome.error = f"第{outcome.attempts}次尝试：{attempt.problem}"
                if attempt.unknown:
                    outcome.unknown_seen = True
                    if not resend:
                        held.append(url)
                        continue
                failed.append(url)
            urls = [u for u in urls if u in failed or u not in live]
            if not urls:
                break
        # Messages in a row a URL did not take; no answer in time counts too (a stalled receiver costs a
        # timeout per message).
        for url in [*urls, *held]:
            self._failures[url] = self._failures.get(url, 0) + 1
        outcome.delivered = not urls and not held
        outcome.held = bool(held) and not urls
        return outcome


@dataclass
class Attempt:
    problem: str | None  # redacted; None = delivered
    unknown: bool = False  # no answer in time: the receiver may have it


@dataclass
class SendOutcome:
    attempts: int = 0
    delivered: bool = False
    held: bool = False  # not delivered for sure, but a channel may have it: do not send again
    unknown_seen: bool = False  # some attempt had an unknown outcome (under "resend" it was retried)
    error: str | None = None  # the last redacted error seen


def _no_answer_in_time(client: apprise.Apprise, result, detail: str) -> bool:
    """A connection error after waiting the service's socket timeout: the request may have been read.

    Apprise's HTTP plugins log "A Connection error occurred" for every transport error and keep the
    exception at debug level. A refused connection or a DNS failure returns at once, so elapsed time
    separates them from a read timeout. A connect timeout (nothing sent) also waits that long and is
    counted as unknown too: the cautious side, it is held instead of possibly being sent twice.
    """
    if "connection error" not in detail.lower():
        return False
    service = client[0]
    limit = min(getattr(service, "socket_connect_timeout", 4.0), getattr(service, "socket_read_timeout", 4.0))
    elapsed = max((a.elapsed for r in result.results for a in r.attempts), default=0.0)
    return elapsed >= 0.9 * limit


# A message left 'sending' this long belongs to a deliverer that died mid-send; another may take it.
SENDING_LEASE = timedelta(minutes=10)
CLAIM_CHUNK = 50
KEY_CHUNK = 5000
DELIVERABLE = ("pending", "sending")
N = m.Notification


@dataclass(frozen=True)
class Claimed:
    """A claimed message as plain values: the send loop loads no ORM rows."""

    id: int
    key: str
    kind: str
    recipient: str
    title: str
    body: str
    enterprise_id: int | None
    created_at: datetime
    attempts: int  # including this claim
    last_error: str | None


_CLAIMED_COLUMNS = (
    N.id,
    N.key,
    N.kind,
    N.recipient,
    N.title,
    N.body,
    N.enterprise_id,
    N.created_at,
    N.attempts,
    N.last_error,
)


def _dead_owners(session: Session) -> list[str]:
    """Deliverers on this host whose process has exited hold their 'sending' rows for nobody: no lease wait."""
    owners = session.scalars(select(N.claimed_by).where(N.status == "sending").distinct())
    return [owner for owner in owners if owner and owner_gone(owner)]


def claim_pending(
    session: Session,
    worker: str,
    keys: list[str] | None = None,
    limit: int = CLAIM_CHUNK,
    now: datetime | None = None,
    after: int = 0,
    dead: list[str] | None = None,
) -> list[Claimed]:
    """Atomically move up to `limit` deliverable messages with id > `after` to 'sending' for `worker`.

    Deliverable: 'pending', or 'sending' under another deliverer's abandoned claim (past the lease,
    or its process on this host is gone). Claim order is id order, so a sweep takes the oldest first
    and, moving `after` forward, sees each message at most once per call.

    PostgreSQL: the candidates are selected FOR UPDATE SKIP LOCKED and updated in the same
    transaction, so concurrent deliverers take disjoint sets without waiting on each other (a row
    changed before we lock it is re-checked against the WHERE clause). SQLite has no row locks; a
    single UPDATE ... WHERE id IN (sub-select) runs under its database-wide writer lock, so the second
    deliverer waits (busy_timeout) and then finds the rows no longer 'pending'.
    """
    now = now or wall_clock()
    C = aliased(N)  # the alias keeps the sub-select uncorrelated
    dead = _dead_owners(session) if dead is None else dead

    def stale(t):
        # Another deliverer's abandoned claim. (The message in flight when a deliverer died may go out
        # twice; a delivered one was committed 'sent'.)
        abandoned = or_(t.claimed_at < now - SENDING_LEASE, t.claimed_by.in_(dead))
        return and_(t.status == "sending", abandoned, t.claimed_by != worker)

    def oldest(condition):
        # One status per query, so the (status, id) index yields the rows in id order: an OR of both made
        # SQLite collect and sort every remaining pending row on each claim (O(n) per claim, 35 ms at 10,000).
        query = select(C.id).where(C.id > after, condition).order_by(C.id).limit(limit)
        return query if keys is None else query.where(C.key.in_(keys))

    # A claim counts as an attempt: a deliverer that dies mid-send has still tried once.
    claim = dict(status="sending", claimed_by=worker, claimed_at=now, attempts=N.attempts + 1)
    session.commit()  # start the claim in a fresh transaction
    assert session.bind is not None, "sessions come from session_scope(), bound to the engine"
    if session.bind.dialect.name == "postgresql":
        # Select, then update, in one transaction: the rows stay locked by us until the commit. (A single
        # UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) is not safe: the planner
        # may rescan the sub-select and the LIMIT then no longer bounds the update.)
        locked = [
            *session.scalars(oldest(C.status == "pending").with_for_update(skip_locked=True)),
            *session.scalars(oldest(stale(C)).with_for_update(skip_locked=True)),
        ]
        ids = sorted(locked)[:limit]  # the rest are unlocked again at the commit
        rows = []
        if ids:
            rows = list(
                session.execute(
                    update(N)
                    .where(N.id.in_(ids))
                    .values(**claim)
                    .returning(*_CLAIMED_COLUMNS)
                    .execution_options(synchronize_session=False)
                )
            )
    else:
        # SQLite: the UPDATE takes the database-wide write lock first, so the sub-select sees the latest rows.
        both = union_all(
            select(oldest(C.status == "pending").subquery().c.id), select(oldest(stale(C)).subquery().c.id)
        ).subquery()
        first = select(both.c.id).order_by(both.c.id).limit(limit)
        rows = list(
            session.execute(
                update(N)
                .where(N.id.in_(first.scalar_subquery()), or_(N.status == "pending", stale(N)))
                .values(**claim)
                .returning(*_CLAIMED_COLUMNS)
                .execution_options(synchronize_session=False)
            )
        )
    session.commit()
    return sorted((Claimed(**row._mapping) for row in rows), key=lambda c: c.id)


def deliver_pending(
    session: Session,
    channels: Channels,
    as_of: datetime,
    keys: Iterable[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    worker: str | None = None,
    now: datetime | None = None,
) -> DeliveryReport:
    """Deliver every deliverable message (a sweep, oldest first), or only `keys`.

    Each outcome is committed right after its send, by one UPDATE of that row (no ORM objects): a
    crash can lose the outcome of the one message in flight (sent, not yet recorded), so at most that
    message goes out again; a delivered one is 'sent' in the database before the next send starts.
    Claims are taken 50 at a time in one transaction each.

    Safe with several deliverers at once (processes, machines): each message is claimed by exactly one
    of them before it is sent. Within this call a message gets the configured retries with backoff; if
    it still fails it goes back to 'pending' for the next run, or 'failed' after `max_attempts`. A
    message whose send got no answer in time is 'unknown' (held) unless the policy says "resend".
    """
    worker = worker or worker_identity()
    policy = channels.delivery
    keys = None if keys is None else list(keys)
    # Bounded IN lists: SQLite allows at most 32766 bound parameters per statement.
    key_chunks = [None] if keys is None else [keys[i : i + KEY_CHUNK] for i in range(0, len(keys), KEY_CHUNK)]
    report = DeliveryReport()
    # Each enterprise's personal portal link is added as the message leaves, never stored with it.
    links = MessageLinks(session)
    dead = _dead_owners(session)
    writer = OutcomeWriter(session)
    try:
        with Sender(channels, sleep) as sender:
            for chunk in key_chunks:
                after = 0
                while batch := claim_pending(session, worker, chunk, now=now, after=after, dead=dead):
                    after = batch[-1].id
                    links.prefetch({note.recipient for note in batch})
                    for done, note in enumerate(batch):
                        try:
                            _send_one(session, writer, sender, note, as_of, report, links, worker, policy.max_attempts)
                        except ConfigError:
                            # Nothing is lost: this and the rest of the batch go back to pending at once.
                            _release(session, [n.id for n in batch[done:]], worker)
                            raise
    finally:
        writer.close()
    return report


_NOTES = cast(Table, N.__table__)  # declarative types __table__ as FromClause; this class maps a plain Table
_OUTCOME = (
    update(_NOTES)
    .where(_NOTES.c.id == bindparam("note_id"), _NOTES.c.claimed_by == bindparam("worker"))
    .values(
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        last_error=bindparam("new_error"),
        sent_at=bindparam("new_sent_at"),
        claimed_by=bindparam("new_claimed_by"),
    )
)


class OutcomeWriter:
    """Writes each message's outcome as its own committed transaction, at the cost of a bare driver call.

    The UPDATE is compiled once for the database's dialect and run as driver SQL on a connection of its
    own: through the ORM session it cost ~0.9 ms per message, through Core's per-call statement cache
    ~0.4 ms, as driver SQL ~0.15 ms (SQLite, this machine): the difference between a delivery loop
    that keeps up with Apprise and one that doubles its time.
    """

    def __init__(self, session: Session):
        engine = session.get_bind()
        assert isinstance(engine, Engine), "sessions come from session_scope(), bound to the engine"
        self.connection = engine.connect()
        dialect = self.connection.dialect
        compiled = _OUTCOME.compile(dialect=dialect)
        self.sql = str(compiled)
        self.order = compiled.positiontup  # qmark (SQLite): positional; pyformat (psycopg): named
        self.sent_at = _NOTES.c.sent_at.type.bind_processor(dialect)

    def write(self, values: dict) -> None:
        if self.sent_at is not None:
            values["new_sent_at"] = self.sent_at(values["new_sent_at"])
        params = tuple(values[name] for name in self.order) if self.order else values
        self.connection.exec_driver_sql(self.sql, params)
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def _send_one(
    session: Session,
    writer: OutcomeWriter,
    sender: Sender,
    note: Claimed,
    as_of: datetime,
    report: DeliveryReport,
    links: MessageLinks,
    worker: str,
    max_attempts: int,
) -> None:
    body = links.body(note.recipient, note.body)
    emailed = any(u.lower().startswith(EMAIL_SCHEMES) for u in sender.channels.urls_for(note.recipient))
    attach = links.attachments(note) if emailed else []
    if session.in_transaction():
        # Building an email's attachments may have written (templates). SQLite allows one writer at a
        # time, so the session must not hold its transaction while the outcome writer commits.
        session.commit()
    outcome = sender.send(note.recipient, note.key, note.title, body, note.created_at.isoformat(), attach)
    # The claim counted one attempt; a message skipped because its channel was paused (circuit) made none.
    attempts = note.attempts + outcome.attempts - 1
    report.retried += max(outcome.attempts - 1, 0)
    if outcome.delivered:
        status, sent_at = "sent", as_of
        report.sent.append(note.key)
        if outcome.unknown_seen:
            report.maybe_duplicated.append(note.key)
    elif outcome.held:
        status, sent_at = UNKNOWN, None
        report.unknown[note.key] = outcome.error or "通知渠道在超时时间内没有应答"
    else:
        status, sent_at = ("failed" if attempts >= max_attempts else "pending"), None
        report.failed[note.key] = outcome.error or "通知渠道返回失败"
    # Kept after a successful retry too: the record shows what failed on the way. claimed_by stays on a
    # sent row (who sent it); it is cleared on the others so any deliverer may pick them up again.
    writer.write(
        {
            "note_id": note.id,
            "worker": worker,
            "new_status": status,
            "new_attempts": attempts,
            "new_error": outcome.error if outcome.error is not None else note.last_error,
            "new_sent_at": sent_at,
            "new_claimed_by": worker if status == "sent" else None,
        }
    )


def _release(session: Session, ids: list[int], worker: str) -> None:
    if ids:
        session.execute(
            update(N)
            .where(N.id.in_(ids), N.claimed_by == worker, N.status == "sending")
            .values(status="pending", claimed_by=None, claimed_at=None, attempts=N.attempts - 1)
            .execution_options(synchronize_session=False)
        )
    session.commit()


UNKNOWN = "unknown"


def notify_now(
    messages: Sequence[OutgoingMessage],
    as_of: datetime,
    channels: Channels,
    recorded_keys: Sequence[str] = (),
    *,
    sweep: bool = False,
) -> DeliveryReport:
    """Record `messages` and deliver them with `recorded_keys` (messages the caller recorded in its own
    transaction, like intake's receipts). The `notify_all` task wraps this with `sweep=True`: a run
    then first delivers every message still deliverable, whoever recorded it (an interrupted run's
    receipts, a reminder left 'sending' by a killed deliverer), oldest first. Commands that answer a
    person at once (`campaign submit`, the portal's upload) send only their own."""
    from campaign.db.session import session_scope

    keys = [msg.key for msg in messages] + [k for k in recorded_keys if k]
    if not keys and not sweep:
        return DeliveryReport()
    with session_scope() as session:
        recorded = record_messages(session, messages, channels, as_of) if messages else 0
        if sweep:
            retire_settled_reminders(session, as_of)
            session.commit()
        report = deliver_pending(session, channels, as_of, None if sweep else keys)
    report.recorded = recorded
    own = set(keys)
    report.earlier = sum(1 for k in (*report.sent, *report.failed, *report.unknown) if k not in own)
    return report
