"""The enterprise portal (FastAPI + Jinja2, server-rendered, no JavaScript).

Routes are thin: authorise (the `current_enterprise` dependency, on every enterprise route), call the
same functions the CLI and the flows call (intake's process_paths, the template builders), render.
The enterprise is always the session's, never a path segment or a form field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from campaign.calendar.clock import format_date_zh, now, weekday_zh
from campaign.config.model import CampaignConfig, load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.audit import record_audit
from campaign.db.session import session_scope
from campaign.web import console_routes, links, portal
from campaign.web.security import RateLimiter, SecurityHeaders, csrf_ok, new_csrf_token
from campaign.web.upload import UploadRefused, receive_file
from notifications.channels import Channels, load_channels

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "campaign_portal"
log = logging.getLogger("campaign.web")


class NotSignedIn(Exception):
    """No valid session: the page says to open the personal link from a message."""


@dataclass(frozen=True)
class Viewer:
    """Who is asking, from the signed session cookie, re-checked against the link row on every request."""

    enterprise_id: int
    code: str
    name: str
    contact: str
    link_id: int
    csrf: str

    @property
    def actor(self) -> str:
        return f"portal:{self.code}/{self.contact}"[:100]


@dataclass
class Portal:
    """Per-process state: configuration, channels, the sign-in limiter, and the business clock."""

    config: CampaignConfig
    channels: Channels
    home: Path
    limiter: RateLimiter
    fixed_as_of: datetime | None  # set for replays and demos on past data; None = now (Asia/Shanghai)

    def as_of(self) -> datetime:
        return self.fixed_as_of or now()


def _templates() -> Jinja2Templates:
    # HTML pages need autoescaping; the message templates (plain text for Apprise) must not have it,
    # so the portal has its own environment with the same date filters.
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["zh_date"] = lambda d: format_date_zh(d.date() if isinstance(d, datetime) else d)
    templates.env.filters["weekday"] = weekday_zh
    templates.env.filters["zh_time"] = lambda d: f"{format_date_zh(d.date())} {d:%H:%M}"
    return templates


TEMPLATES = _templates()


def state(request: Request) -> Portal:
    return request.app.state.portal


def current_enterprise(request: Request) -> Viewer:
    """The one authorisation dependency of every enterprise route."""
    session = request.session
    link_id, code, csrf = session.get("lid"), session.get("e"), session.get("csrf")
    if not isinstance(link_id, int) or not isinstance(code, str) or not isinstance(csrf, str):
        raise NotSignedIn()
    with session_scope() as db:
        row = db.execute(
            select(m.PortalLink, m.Enterprise)
            .join(m.Enterprise)
            .where(m.PortalLink.id == link_id, m.Enterprise.code == code)
        ).one_or_none()
    # A link revoked or expired since sign-in ends the session too.
    if row is None or row[0].revoked_at is not None or row[0].expires_at <= links.wall_clock() or not row[1].active:
        session.clear()
        raise NotSignedIn()
    link, enterprise = row
    return Viewer(enterprise.id, enterprise.code, enterprise.name, link.contact, link.id, csrf)


Me = Annotated[Viewer, Depends(current_enterprise)]


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    p = state(request)
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {"issuer": p.config.campaign.issuer, "contact": p.config.campaign.contact, **context},
        status_code=status_code,
    )


def audit(at: datetime, actor: str, action: str, entity: str, key: str, detail: dict) -> None:
    with session_scope() as db:
        record_audit(db, at, actor, action, entity, key, detail)


def create_app(as_of: datetime | None = None, config: CampaignConfig | None = None) -> FastAPI:
    config = config or load_config()
    settings = get_settings()
    https = config.web.base_url.startswith("https://")
    app = FastAPI(title="价值创造行动网上报送", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = Portal(
        config,
        load_channels(settings.apprise_config_path),
        settings.home_dir,
        RateLimiter(config.web.signin_per_minute),
        as_of,
    )
    # itsdangerous-signed cookie; HttpOnly always, SameSite=Lax (the sign-in link arrives from another
    # site: Strict would drop the cookie on that first redirect), Secure whenever the portal is on HTTPS.
    app.add_middleware(
        SessionMiddleware,
        secret_key=links.server_secret(settings.home_dir),
        session_cookie=SESSION_COOKIE,
        max_age=config.web.session_hours * 3600,
        same_site="lax",
        https_only=https,
    )
    app.add_middleware(SecurityHeaders, https=https)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _routes(app)
    console_routes.register(app)
    return app


def _routes(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        return page(request, "signin_needed.html", status_code=401)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "没有找到该页面或该记录。", 403: "无权访问。", 405: "不支持的操作。"}
        return page(
            request, "error.html", status_code=exc.status_code, message=messages.get(exc.status_code, "请求无法处理。")
        )

    @app.get("/")
    def index(request: Request) -> Response:
        if request.session.get("lid"):
            return RedirectResponse("/home", status_code=303)
        return page(request, "signin_needed.html")

    @app.get("/l/{token}")
    def sign_in(request: Request, token: str) -> Response:
        p = state(request)
        client = request.client.host if request.client else "-"
        at = p.as_of()
        if not p.limiter.allow(client):
            audit(at, f"client:{client}", "web.signin_refused", "portal_link", "-", {"reason": "rate_limited"})
            response = page(request, "rate_limited.html", status_code=429, seconds=p.limiter.retry_after(client))
            response.headers["retry-after"] = str(p.limiter.retry_after(client))
            return response
        claims = links.read_token(links.server_secret(p.home), token)
        reason, link, enterprise = _check_link(claims)
        if reason is not None:
            # The token is never recorded; the link id is, when the signature was ours.
            key = str(claims.link_id) if claims else "-"
            audit(at, f"client:{client}", "web.signin_refused", "portal_link", key, {"reason": reason})
            request.session.clear()
            return page(request, "link_refused.html", status_code=403, reason=reason)
        assert link is not None and enterprise is not None
        request.session.clear()  # a fresh session (and CSRF token) on every sign-in: no fixation
        request.session.update({"lid": link.id, "e": enterprise.code, "csrf": new_csrf_token()})
        audit(
            at,
            f"portal:{enterprise.code}/{link.contact}",
            "web.signin",
            "portal_link",
            str(link.id),
            {"enterprise": enterprise.code, "contact": link.contact, "client": client},
        )
        return RedirectResponse("/home", status_code=303)

    @app.get("/home")
    def home(request: Request, me: Me) -> Response:
        p = state(request)
        with session_scope() as db:
            rows = portal.home_rows(db, p.config, me.enterprise_id, p.as_of())
        return page(
            request,
            "home.html",
            me=me,
            rows=rows,
            today=p.as_of().date(),
            overdue=sum(r.overdue for r in rows),
            returned=sum(r.state == "rejected" for r in rows),
        )

    @app.get("/deliverables/{code}/template")
    def template(request: Request, code: str, me: Me) -> Response:
        p = state(request)
        deliverable = _open_deliverable(p, code)
        at = p.as_of()
        with session_scope() as db:
            path = portal.template_path(
                db, p.config, p.home, p.config.enterprise(me.code), deliverable, me.enterprise_id, at
            )
        if path is None:
            raise StarletteHTTPException(404)
        audit(at, me.actor, "web.download", "template", f"{me.code}:{deliverable.id}", {"file": path.name})
        return FileResponse(path, filename=path.name, content_disposition_type="attachment")

    @app.post("/deliverables/{code}/upload")
    async def upload(request: Request, code: str, me: Me, background: BackgroundTasks) -> Response:
        p = state(request)
        deliverable = _open_deliverable(p, code)
        at = p.as_of()
        limit = get_settings().max_upload_bytes
        declared = request.headers.get("content-length")
        try:
            # Refused before reading a byte when the sender announces more than the limit allows.
            if declared is not None and declared.isdigit() and int(declared) > limit + 64 * 1024:
                raise UploadRefused("too_large")
            received = await receive_file(
                request.headers.get("content-type", ""),
                request.stream(),
                p.home / "web-uploads",
                limit,
                lambda given: csrf_ok(me.csrf, given),
            )
        except UploadRefused as exc:
            await run_in_threadpool(
                audit,
                at,
                me.actor,
                "web.upload_refused",
                "submission",
                f"{me.code}:{deliverable.id}",
                {"reason": exc.reason, "bytes_read": exc.received},
            )
            status = {"too_large": 413, "csrf": 403}.get(exc.reason, 400)
            return page(
                request,
                "upload_refused.html",
                status_code=status,
                me=me,
                reason=exc.reason,
                limit_mb=round(limit / 1024 / 1024, 1),
                deliverable=deliverable,
            )
        try:
            outcome, errors = await run_in_threadpool(_intake, p, received.path, at, (me.code, deliverable.id))
        finally:
            received.discard()
        if outcome is None or outcome.version is None:
            log.error("portal upload by %s for %s failed in intake: %s", me.code, deliverable.id, errors)
            return page(
                request,
                "error.html",
                status_code=500,
                message="文件处理出错，未登记。请稍后重新上传；如仍不成功，请联系区国资委。",
            )
        if outcome.message_key:
            background.add_task(deliver, p, outcome.message_key, at)  # the page does not wait for the channel
        sid = await run_in_threadpool(_submission_id, me.enterprise_id, deliverable.id, outcome.version)
        await run_in_threadpool(
            audit,
            at,
            me.actor,
            "web.upload",
            "submission",
            f"{me.code}:{deliverable.id}:v{outcome.version}",
            {"sha256": outcome.sha256, "size": received.size, "status": outcome.status, "duplicate": outcome.duplicate},
        )
        return RedirectResponse(f"/submissions/{sid}" + ("?same=1" if outcome.duplicate else ""), status_code=303)

    @app.get("/submissions/{submission_id}")
    def submission(request: Request, submission_id: int, me: Me, same: int = 0) -> Response:
        p = state(request)
        with session_scope() as db:
            sub = portal.own_submission(db, me.enterprise_id, submission_id)
            if sub is None:
                raise StarletteHTTPException(404)
            deliverable = p.config.deliverable(sub.deliverable.code)
        return page(request, "submission.html", me=me, sub=sub, deliverable=deliverable, duplicate=bool(same))

    @app.get("/results")
    def results(request: Request, me: Me) -> Response:
        with session_scope() as db:
            years = portal.results(db, state(request).config, me.enterprise_id)
        return page(request, "results.html", me=me, years=years)

    @app.post("/logout")
    async def logout(request: Request, me: Me) -> Response:
        form = await request.form(max_files=0, max_fields=4)
        if not csrf_ok(me.csrf, str(form.get("csrf_token") or "")):
            return page(request, "error.html", status_code=403, message="表单已失效，请返回首页后重试。")
        request.session.clear()
        return RedirectResponse("/", status_code=303)


def _check_link(claims: links.TokenClaims | None) -> tuple[str | None, m.PortalLink | None, m.Enterprise | None]:
    """(refusal reason or None, link, enterprise). Reasons: invalid | expired | revoked."""
    if claims is None:
        return "invalid", None, None
    with session_scope() as db:
        row = db.execute(
            select(m.PortalLink, m.Enterprise).join(m.Enterprise).where(m.PortalLink.id == claims.link_id)
        ).one_or_none()
    if row is None or row[1].code != claims.enterprise:
        return "invalid", None, None
    link, enterprise = row
    if link.revoked_at is not None or not enterprise.active:
        return "revoked", None, None
    if link.expires_at <= links.wall_clock() or claims.expires <= links.wall_clock().timestamp():
        return "expired", None, None
    return None, link, enterprise


def _open_deliverable(p: Portal, code: str):
    """A deliverable whose window has opened, else 404 (a code that does not exist reads the same)."""
    try:
        deliverable = p.config.deliverable(code)
    except KeyError:
        raise StarletteHTTPException(404) from None
    if deliverable.opens_on > p.as_of().date():
        raise StarletteHTTPException(404)
    return deliverable


def _intake(p: Portal, path: Path, at: datetime, claim: tuple[str, str]):
    """Exactly the inbox's path: claim the file, examine, record, store, queue the receipt or rejection."""
    from campaign.intake.core import process_paths

    outcomes, errors = process_paths([path], p.config, at, p.channels, move=False, claim=claim)
    return (outcomes[0] if outcomes else None), errors


def _submission_id(enterprise_id: int, deliverable_code: str, version: int) -> int | None:
    with session_scope() as db:
        return portal.submission_id_of(db, enterprise_id, deliverable_code, version)


def deliver(p: Portal, key: str, at: datetime) -> None:
    """Deliver one message recorded by a request (a receipt, a return), after the response went out."""
    from notifications.delivery import notify_now

    notify_now([], at, p.channels, recorded_keys=[key])
