"""Personal sign-in links: signed, expiring, revocable, bound to one enterprise and one contact.

A token is an itsdangerous signature over {link id, enterprise code, expiry} with the server-side
secret. Nothing stores it: the portal_link row holds the id, the contact and the expiry, and the
token is rebuilt from them when a message is sent. Revoking the row refuses the token and every
session started with it. Expiry is on the wall clock (a security lease, like the claim leases),
never on the business `as_of` a flow replays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, Protocol

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from campaign.calendar.clock import TZ, format_date_zh
from campaign.config.model import CampaignConfig
from campaign.config.settings import server_secret  # noqa: F401  (links.server_secret: its one home is settings)
from campaign.db import models as m

SALT = "campaign-portal-link"
# A message sent when the current link has less than this left carries a fresh one instead.
RENEW_BEFORE = timedelta(days=30)


def wall_clock() -> datetime:
    return datetime.now(UTC)


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def make_token(secret: str | URLSafeSerializer, link: m.PortalLink | LinkRow, enterprise_code: str) -> str:
    """`secret` may be a serializer made once for many tokens (building one derives its key each time)."""
    serializer = _serializer(secret) if isinstance(secret, str) else secret
    return serializer.dumps({"l": link.id, "e": enterprise_code, "x": int(link.expires_at.timestamp())})


@dataclass(frozen=True)
class TokenClaims:
    link_id: int
    enterprise: str
    expires: int  # epoch seconds


def read_token(secret: str, token: str) -> TokenClaims | None:
    """The token's claims if the signature is ours, else None (a forged or mangled link)."""
    if len(token) > 400:
        return None
    try:
        data = _serializer(secret).loads(token)
        return TokenClaims(int(data["l"]), str(data["e"]), int(data["x"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


# -- the portal_link table ---------------------------------------------------------------------


def _new_link(
    enterprise_id: int, contacts: list | None, days: int, issued_by: str, contact: str | None, now: datetime
) -> dict:
    """The values of a new portal_link row: the enterprise's first contact unless one is named."""
    name = contact or str((contacts or [{}])[0].get("name") or "联系人")
    return {
        "enterprise_id": enterprise_id,
        "contact": name[:100],
        "issued_at": now,
        "expires_at": now + timedelta(days=days),
        "issued_by": issued_by[:100],
    }


def issue_link(
    session: Session,
    enterprise: m.Enterprise,
    days: int,
    issued_by: str,
    contact: str | None = None,
    now: datetime | None = None,
) -> m.PortalLink:
    link = m.PortalLink(**_new_link(enterprise.id, enterprise.contacts, days, issued_by, contact, now or wall_clock()))
    session.add(link)
    session.flush()
    return link


def revoke_links(session: Session, enterprise_id: int, reason: str, now: datetime | None = None) -> int:
    """Revoke every live link of an enterprise; returns how many."""
    done = session.execute(
        update(m.PortalLink)
        .where(m.PortalLink.enterprise_id == enterprise_id, m.PortalLink.revoked_at.is_(None))
        .values(revoked_at=now or wall_clock(), revoked_reason=reason[:200])
    )
    return getattr(done, "rowcount", 0) or 0  # a CursorResult for an UPDATE


def _usable(days: int, now: datetime):
    return and_(
        m.PortalLink.revoked_at.is_(None),
        m.PortalLink.expires_at > now + min(RENEW_BEFORE, timedelta(days=days) / 2),
    )


def current_link(session: Session, enterprise: m.Enterprise, days: int, now: datetime | None = None) -> m.PortalLink:
    """The newest live link with at least RENEW_BEFORE left, else a new one (issued by delivery)."""
    now = now or wall_clock()
    link = session.scalars(
        select(m.PortalLink)
        .where(m.PortalLink.enterprise_id == enterprise.id, _usable(days, now))
        .order_by(m.PortalLink.id.desc())
        .limit(1)
    ).first()
    return link or issue_link(session, enterprise, days, "delivery", now=now)


class LinkRow(NamedTuple):
    """What a message footer needs of a portal_link row (plain values: delivery loads no ORM rows)."""

    id: int
    enterprise_id: int
    contact: str
    expires_at: datetime


class EnterpriseRow(NamedTuple):
    id: int
    code: str
    name: str
    contacts: list | None


def current_links(
    session: Session, enterprises: list[EnterpriseRow], days: int, now: datetime | None = None
) -> dict[int, LinkRow]:
    """current_link() for many enterprises in two statements (delivery asks once per claimed chunk)."""
    now = now or wall_clock()
    L = m.PortalLink
    columns = (L.id, L.enterprise_id, L.contact, L.expires_at)
    ids = [e.id for e in enterprises]
    links: dict[int, LinkRow] = {}
    for row in session.execute(select(*columns).where(L.enterprise_id.in_(ids), _usable(days, now)).order_by(L.id)):
        links[row.enterprise_id] = LinkRow(*row)  # ascending ids: the newest wins
    fresh = [_new_link(e.id, e.contacts, days, "delivery", None, now) for e in enterprises if e.id not in links]
    if fresh:
        for row in session.execute(insert(L).returning(*columns), fresh):
            links[row.enterprise_id] = LinkRow(*row)
    return links


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/l/{token}"


class MessageRef(Protocol):
    """What attachments() reads of a message: an ORM row or delivery's plain claimed values."""

    @property
    def kind(self) -> str: ...
    @property
    def enterprise_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...


class MessageLinks:
    """Appends the recipient enterprise's personal link to a message body at the moment of sending.

    The stored notification body stays without it, so no token is ever written to the database;
    the channel (email, WeCom, the outbox file) receives the body with the link.
    """

    def __init__(self, session: Session, config: CampaignConfig | None = None, now: datetime | None = None) -> None:
        self.session, self._config, self.now = session, config, now
        self._footers: dict[str, str | None] = {}
        self._serializer: URLSafeSerializer | None = None

    @property
    def config(self) -> CampaignConfig:
        # Loaded on the first enterprise recipient: a run that only writes to SASAC never needs it.
        if self._config is None:
            from campaign.config.model import load_config

            self._config = load_config()
        return self._config

    def prefetch(self, recipients: set[str]) -> None:
        """Footers for many recipients at once: three statements and one commit, not three per recipient."""
        wanted = sorted(r for r in recipients if r not in self._footers)
        if not wanted:
            return
        E = m.Enterprise
        enterprises = [
            EnterpriseRow(*row)
            for row in self.session.execute(
                select(E.id, E.code, E.name, E.contacts).where(E.code.in_(wanted), E.active.is_(True))
            )
        ]
        self._footers.update(dict.fromkeys(wanted))  # SASAC and unknown recipients: no link
        if not enterprises:
            return
        links = current_links(self.session, enterprises, self.config.web.link_days, self.now)
        self.session.commit()  # the link rows must exist before anyone can open the messages
        for enterprise in enterprises:
            self._footers[enterprise.code] = self._render(enterprise, links[enterprise.id])

    def footer(self, recipient: str) -> str | None:
        if recipient not in self._footers:
            self.prefetch({recipient})
        return self._footers[recipient]

    def _render(self, enterprise: EnterpriseRow, link: LinkRow) -> str:
        if self._serializer is None:
            self._serializer = _serializer(server_secret())
        url = link_url(self.config.web.base_url, make_token(self._serializer, link, enterprise.code))
        contact = self.config.campaign.contact or "区国资委"
        return (
            "\n网上报送：请通过本单位专属链接登录报送系统，查看各项材料的报送要求和状态、下载本单位填报模板、"
            f"上传材料并查看回执或退回原因：\n{url}\n"
            f"该链接仅供{enterprise.name}（{link.contact}）使用，请勿转发；有效期至"
            f"{format_date_zh(link.expires_at.astimezone(TZ).date())}。链接失效或遗失时，请联系{contact}重新发放。\n"
        )

    def attachments(self, note: MessageRef) -> list[str]:
        """For a notice: the recipient's own templates of the windows open when it was issued (made if missing)."""
        if note.kind != "notice" or note.enterprise_id is None:
            return []
        from campaign.config.settings import get_settings
        from campaign.web.portal import template_path

        enterprise = self.session.get(m.Enterprise, note.enterprise_id)
        if enterprise is None or enterprise.code not in {e.code for e in self.config.enterprises}:
            return []
        day, home = note.created_at.date(), get_settings().home_dir
        paths = []
        for d in self.config.deliverables:
            if d.template and d.opens_on <= day <= d.due:
                path = template_path(
                    self.session,
                    self.config,
                    home,
                    self.config.enterprise(enterprise.code),
                    d,
                    enterprise.id,
                    note.created_at,
                )
                if path is not None:
                    paths.append(str(path))
        return paths

    def body(self, recipient: str, body: str) -> str:
        footer = self.footer(recipient)
        return body if footer is None else body.rstrip("\n") + "\n" + footer


def personal_link(enterprise_code: str, config: CampaignConfig | None = None) -> str:
    """The link the next message to this enterprise would carry (for the demo's closing lines)."""
    from campaign.db.session import session_scope

    if config is None:
        from campaign.config.model import load_config

        config = load_config()
    with session_scope() as session:
        enterprise = session.scalars(select(m.Enterprise).where(m.Enterprise.code == enterprise_code)).one()
        link = current_link(session, enterprise, config.web.link_days)
        return link_url(config.web.base_url, make_token(server_secret(), link, enterprise.code))
