"""`campaign web` (the enterprise portal) and `campaign links issue|revoke` (personal sign-in links)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

links_app = typer.Typer(help="企业专属登录链接：发放、停用。", no_args_is_help=True)


def web(
    host: Annotated[str, typer.Option("--host", help="监听地址；反向代理在本机时保持 127.0.0.1。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="监听端口。")] = 8000,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="固定业务日期 YYYY-MM-DD（演示、回放历史数据时用）；默认为当前时间。")
    ] = None,
    proxy: Annotated[
        bool,
        typer.Option("--behind-proxy", help="在 HTTPS 反向代理之后运行：信任本机代理传来的 X-Forwarded-For/Proto。"),
    ] = False,
) -> None:
    """启动企业网上报送系统和区国资委管理台（默认 http://127.0.0.1:8000，管理台在 /staff，账号由 campaign users add
    开设；使用与各命令相同的 CAMPAIGN_HOME 和数据库）。"""
    import uvicorn

    from campaign.cli.common import parse_as_of
    from campaign.db.migrate import init_database
    from campaign.web.app import create_app

    fixed = parse_as_of(as_of) if as_of else None
    init_database()
    app = create_app(as_of=fixed)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    fixed_note = f"；业务日期固定为 {fixed:%Y-%m-%d}" if fixed else ""
    console.print(f"网上报送系统已启动：http://{host}:{port}/（Ctrl-C 停止）{fixed_note}")
    # uvicorn's access log would print the sign-in path with its token: ours redacts it (campaign.web.access).
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        proxy_headers=proxy,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
    )


def _enterprise(session, code: str):
    from sqlalchemy import select

    from campaign.db import models as m

    ent = session.scalars(select(m.Enterprise).where(m.Enterprise.code == code)).one_or_none()
    if ent is None:
        raise typer.BadParameter(f"没有企业代码为“{code}”的企业", param_hint="--enterprise")
    return ent


@links_app.command("issue")
def issue(
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业代码，如 DDK001。")],
    contact: Annotated[str | None, typer.Option("--contact", help="联系人姓名；默认为名录中的第一位联系人。")] = None,
    days: Annotated[int | None, typer.Option("--days", help="有效天数；默认取 config 中 web.link_days。")] = None,
    staff: Annotated[str, typer.Option("--by", help="发放人（记入审计）。")] = "区国资委",
) -> None:
    """为企业发放新的专属登录链接并显示（请通过可靠渠道转交；此后发出的消息都附上新链接）。"""
    from campaign.calendar.clock import TZ, now
    from campaign.config.model import load_config
    from campaign.db.audit import record_audit
    from campaign.db.migrate import init_database
    from campaign.db.session import session_scope
    from campaign.web.links import issue_link, link_url, make_token, server_secret

    init_database()
    config = load_config()
    with session_scope() as session:
        ent = _enterprise(session, enterprise)
        names = [c.get("name") for c in ent.contacts or []]
        if contact is not None and contact not in names:
            known = "、".join(map(str, names))
            raise typer.BadParameter(f"“{contact}”不是{ent.name}在名录中的联系人（{known}）", param_hint="--contact")
        link = issue_link(session, ent, days or config.web.link_days, f"staff:{staff}", contact)
        detail = {"enterprise": ent.code, "contact": link.contact, "expires_at": link.expires_at.isoformat()}
        record_audit(session, now(), staff, "link.issued", "portal_link", str(link.id), detail)
        url = link_url(config.web.base_url, make_token(server_secret(), link, ent.code))
        expires = link.expires_at.astimezone(TZ)
        name, person = ent.name, link.contact
    console.print(f"已为{name}（{person}）发放专属链接，有效期至 {expires:%Y-%m-%d %H:%M}（北京时间）：")
    # Printed for the staff member to hand over; it is not logged or stored anywhere.
    console.print(url, highlight=False)


@links_app.command("revoke")
def revoke(
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业代码，如 DDK001。")],
    reason: Annotated[str, typer.Option("--reason", help="停用原因（记入审计）。")] = "区国资委停用",
    staff: Annotated[str, typer.Option("--by", help="操作人（记入审计）。")] = "区国资委",
) -> None:
    """停用企业全部有效的专属链接；用这些链接登录的会话随即失效。此后发出的消息会附上新链接。"""
    from campaign.calendar.clock import now
    from campaign.db.audit import record_audit
    from campaign.db.migrate import init_database
    from campaign.db.session import session_scope
    from campaign.web.links import revoke_links

    init_database()
    with session_scope() as session:
        ent = _enterprise(session, enterprise)
        count = revoke_links(session, ent.id, reason)
        record_audit(session, now(), staff, "link.revoked", "enterprise", ent.code, {"links": count, "reason": reason})
        name = ent.name
    console.print(f"已停用{name}的 {count} 个专属链接。")
