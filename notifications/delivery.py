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

import apprise
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, aliased

import notifications.outbox  # noqa: F401  (registers the outbox:// schema with Apprise)
from campaign.db import models as m
from campaign.db.claims import owner_gone, wall_clock, worker_identity
from campaign.errors import ConfigError
from campaign.notices.message import OutgoingMessage
from campaign.notices.store import record_messages
from campaign.web.links import MessageLinks
from notifications.channels import Channels, with_delivery_metadata
from notifications.email import email_html

EMAIL_SCHEMES = ("mailto://", "mailtos://")


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
    retried: int = 0  # attempts beyond the first, over all messages
    recorded: int = 0  # messages newly recorded by the run that delivered them (notify_all)


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
        cached[0].tags = {_tag(recipient)}
        return cached

    def _attempt(
        self, url: str, recipient: str, key: str, title: str, body: str, at: str, attach: Sequence[str] = ()
    ) -> str | None:
        client = self._client(url, recipient, key, at)
        if client is None:
            return self.channels.redact(f"无法识别的通知渠道地址：{url}")
        # Only email carries files; chat robots get the text (with the portal link to download them).
        files = list(attach) if attach and url.lower().startswith(EMAIL_SCHEMES) else None
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
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
            return None
        if result.status is apprise.AppriseResultStatus.TIMEOUT:
            return self.channels.redact(f"通知渠道应答超时（{url}）")
        detail = " ".join(line.strip() for line in log.getvalue().splitlines() if line.strip())
        return self.channels.redact(detail or "通知渠道返回失败")[:1000]

    def open_circuit(self, url: str) -> bool:
        return self._failures.get(url, 0) >= self.policy.circuit_after

    def send(
        self, recipient: str, key: str, title: str, body: str, at: str, attach: Sequence[str] = ()
    ) -> tuple[int, bool, str | None]:
        """Deliver to every URL of the recipient: (attempts made, delivered, last redacted error seen).

        A URL that succeeded is not sent to again within the run; only the failing ones are retried.
        The error is returned even when a retry succeeded, so the record shows what went wrong.
        """
        urls = list(self.channels.urls_for(recipient))
        if not urls:
            raise ConfigError(
                [f"收件人 {recipient} 没有配置通知渠道：请在 config/apprise.yaml 的 recipients 或 default 中配置"]
            )
        attempts, error = 0, None
        for round_no in range(self.policy.attempts_per_run):
            live = [u for u in urls if not self.open_circuit(u)]
            if not live:
                error = error or "通知渠道本次运行已连续失败，暂停发送，下次运行重试"
                break
            if round_no:
                self.sleep(min(self.policy.backoff_seconds * 2 ** (round_no - 1), self.policy.max_backoff_seconds))
            attempts += 1
            failed = []
            for url in live:
                problem = self._attempt(url, recipient, key, title, body, at, attach)
                if problem is None:
                    self._failures[url] = 0
                else:
                    failed.append(url)
                    error = f"第{attempts}次尝试：{problem}"
            urls = [u for u in urls if u in failed or u not in live]
            if not urls:
                return attempts, True, error
        for url in urls:
            self._failures[url] = self._failures.get(url, 0) + 1
        return attempts, False, error


CLAIM_CHUNK = 50
KEY_CHUNK = 5000
# A message left 'sending' this long belongs to a deliverer that died mid-send; another may take it.
SENDING_LEASE = timedelta(minutes=10)


def claim_pending(
    session: Session, worker: str, keys: list[str] | None = None, limit: int = CLAIM_CHUNK, now: datetime | None = None
) -> list[m.Notification]:
    """Atomically move up to `limit` deliverable messages to 'sending' for `worker`, and return them.

    PostgreSQL: the candidates are selected FOR UPDATE SKIP LOCKED and updated in the same
    transaction, so concurrent deliverers take disjoint sets without waiting on each other (a row
    changed before we lock it is re-checked against the WHERE clause). SQLite has no row locks; a
    single UPDATE ... WHERE id IN (sub-select) runs under its database-wide writer lock, so the second
    deliverer waits (busy_timeout) and then finds the rows no longer 'pending'.
    """
    now = now or wall_clock()
    N, C = m.Notification, aliased(m.Notification)  # the alias keeps the sub-select uncorrelated

    # Deliverers on this host whose process has exited hold their 'sending' rows for nobody: no lease wait.
    dead = [
        owner
        for owner in session.scalars(select(N.claimed_by).where(N.status == "sending").distinct())
        if owner and owner_gone(owner)
    ]

    def claimable(t):
        # Another deliverer's stale claim may be taken over; our own failures wait for the end of the call.
        # (The message in flight when a deliverer died may go out twice; a delivered one was committed 'sent'.)
        abandoned = or_(t.claimed_at < now - SENDING_LEASE, t.claimed_by.in_(dead))
        stale = and_(t.status == "sending", abandoned, t.claimed_by != worker)
        return or_(t.status == "pending", stale)

    candidates = select(C.id).where(claimable(C)).order_by(C.id).limit(limit)
    if keys is not None:
        candidates = candidates.where(C.key.in_(keys))
    # A claim counts as an attempt: a deliverer that dies mid-send has still tried once.
    claim = dict(status="sending", claimed_by=worker, claimed_at=now, attempts=N.attempts + 1)
    session.commit()  # start the claim in a fresh transaction
    assert session.bind is not None, "sessions come from session_scope(), bound to the engine"
    if session.bind.dialect.name == "postgresql":
        # Two statements, one transaction: the rows stay locked by us until the commit. (A single
        # UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) is not safe: the planner
        # may rescan the sub-select and the LIMIT then no longer bounds the update.)
        ids: Sequence[int] = list(session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(N).where(N.id.in_(ids)).values(**claim).execution_options(synchronize_session=False))
    else:
        # SQLite: the UPDATE takes the database-wide write lock first, so the sub-select sees the latest rows.
        ids = (
            session.execute(
                update(N)
                .where(N.id.in_(candidates.scalar_subquery()), claimable(N))
                .values(**claim)
                .returning(N.id)
                .execution_options(synchronize_session=False)
            )
            .scalars()
            .all()
        )
    session.commit()
    if not ids:
        return []
    return list(
        session.scalars(select(N).where(N.id.in_(ids)).order_by(N.id).execution_options(populate_existing=True))
    )


def deliver_pending(
    session: Session,
    channels: Channels,
    as_of: datetime,
    keys: Iterable[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    worker: str | None = None,
    now: datetime | None = None,
) -> DeliveryReport:
    """Deliver pending messages (optionally only `keys`); commit per message so progress survives a crash.

    Safe with several deliverers at once (processes, machines): each message is claimed by exactly one
    of them before it is sent, so none is sent twice. Within this call a message gets the configured
    retries with backoff; if it still fails it goes back to 'pending' for the next run, or 'failed'
    after `max_attempts`.
    """
    worker = worker or worker_identity()
    policy = channels.delivery
    keys = None if keys is None else list(keys)
    # Bounded IN lists: SQLite allows at most 32766 bound parameters per statement.
    key_chunks = [None] if keys is None else [keys[i : i + KEY_CHUNK] for i in range(0, len(keys), KEY_CHUNK)]
    report = DeliveryReport()
    retry_later: list[m.Notification] = []
    # Each enterprise's personal portal link is added as the message leaves, never stored with it.
    links = MessageLinks(session)
    with Sender(channels, sleep) as sender:
        for chunk in key_chunks:
            # A failed message stays 'sending' (claimed by us) until the end of this call, so the loop
            # cannot pick it up again and ends when nothing pending is left.
            while batch := claim_pending(session, worker, chunk, now=now):
                try:
                    _send_batch(session, sender, batch, as_of, report, retry_later, links)
                except ConfigError:
                    # Nothing of this batch is lost: the unsent messages go back to pending at once.
                    for note in [*batch, *retry_later]:
                        if note.status == "sending":
                            note.status, note.claimed_by, note.claimed_at = "pending", None, None
                    session.commit()
                    raise
    for note in retry_later:
        note.status = "failed" if note.attempts >= policy.max_attempts else "pending"
        note.claimed_by = note.claimed_at = None
    session.commit()
    return report


def _send_batch(
    session: Session,
    sender: Sender,
    batch: list[m.Notification],
    as_of: datetime,
    report: DeliveryReport,
    retry_later: list[m.Notification],
    links: MessageLinks,
) -> None:
    for note in batch:
        body = links.body(note.recipient, note.body)
        emailed = any(u.lower().startswith(EMAIL_SCHEMES) for u in sender.channels.urls_for(note.recipient))
        attach = links.attachments(note) if emailed else []
        attempts, delivered, error = sender.send(
            note.recipient, note.key, note.title, body, note.created_at.isoformat(), attach
        )
        note.attempts += attempts - 1  # the claim counted the first one
        report.retried += max(attempts - 1, 0)
        if error is not None:
            # Kept after a successful retry too: the record shows what failed on the way.
            note.last_error = error
        if delivered:
            note.status, note.sent_at = "sent", as_of
            report.sent.append(note.key)
        else:
            report.failed[note.key] = error or "通知渠道返回失败"
            retry_later.append(note)
        session.commit()


def notify_now(
    messages: Sequence[OutgoingMessage], as_of: datetime, channels: Channels, recorded_keys: Sequence[str] = ()
) -> DeliveryReport:
    """Record `messages` and deliver them with `recorded_keys` (messages the caller recorded in its own
    transaction, like intake's receipts). The `notify_all` task wraps this; commands that run no flow
    (`campaign submit`) call it directly."""
    from campaign.db.session import session_scope

    keys = [msg.key for msg in messages] + [k for k in recorded_keys if k]
    if not keys:
        return DeliveryReport()
    with session_scope() as session:
        recorded = record_messages(session, messages, channels, as_of) if messages else 0
        report = deliver_pending(session, channels, as_of, keys)
    report.recorded = recorded
    return report
