"""Sign-in links, sessions, CSRF, headers, rate limit and secrecy of the token."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, text

from campaign.db import models as m
from campaign.db.session import get_engine, session_scope
from campaign.web.links import revoke_links, wall_clock
from tests.web.conftest import issue, sign_in


def _audit(action: str) -> list[m.AuditEvent]:
    with session_scope() as s:
        return list(s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == action).order_by(m.AuditEvent.id)))


def test_link_signs_in_with_an_httponly_samesite_cookie_and_security_headers(client_factory):
    c = client_factory()
    r = c.get(issue("DDK001"))
    assert r.status_code == 303 and r.headers["location"] == "/home"
    cookie = r.headers["set-cookie"].lower()
    assert "campaign_portal=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on the embedded default
    home = c.get("/home")
    assert home.status_code == 200 and "示例城市建设投资集团有限公司（示例）（张明）" in home.text
    csp = home.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert home.headers["x-frame-options"] == "DENY" and home.headers["referrer-policy"] == "no-referrer"
    assert home.headers["x-content-type-options"] == "nosniff" and home.headers["cache-control"] == "no-store"
    [row] = _audit("web.signin")
    assert (row.actor, row.detail["enterprise"], row.detail["contact"]) == ("portal:DDK001/张明", "DDK001", "张明")


def test_https_base_url_makes_the_cookie_secure_and_sends_hsts(portal_home):
    from fastapi.testclient import TestClient

    from campaign.config.model import load_config
    from campaign.web.app import create_app
    from tests.web.conftest import AS_OF

    config = load_config()
    config = config.model_copy(update={"web": config.web.model_copy(update={"base_url": "https://baosong.example.cn"})})
    app = create_app(as_of=AS_OF, config=config)
    with TestClient(app, base_url="https://baosong.example.cn", follow_redirects=False) as c:
        r = c.get(issue("DDK001"))
        assert "secure" in r.headers["set-cookie"].lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")


def test_without_a_session_every_enterprise_page_asks_for_the_link(client_factory):
    c = client_factory()
    for path in ("/home", "/results", "/submissions/1", "/deliverables/task-list-2023/template"):
        r = c.get(path)
        assert r.status_code == 401 and "请通过专属链接登录" in r.text, path
    assert c.post("/deliverables/task-list-2023/upload", files={"file": ("a.xlsx", b"x")}).status_code == 401
    assert c.get("/").status_code == 200


def test_expired_link_is_refused_with_whom_to_contact(client_factory):
    c = client_factory()
    r = c.get(issue("DDK001", days=1, now=wall_clock() - timedelta(days=2)))
    assert r.status_code == 403 and "登录链接已过期" in r.text and "区国资委企业改革科 023-0000-0000" in r.text
    assert c.get("/home").status_code == 401
    assert [a.detail["reason"] for a in _audit("web.signin_refused")] == ["expired"]


def test_revoked_link_is_refused_and_ends_the_sessions_it_started(client_factory):
    c = client_factory()
    path = issue("DDK001")
    assert c.get(path).status_code == 303 and c.get("/home").status_code == 200
    with session_scope() as s:
        ent = s.scalars(select(m.Enterprise).where(m.Enterprise.code == "DDK001")).one()
        assert revoke_links(s, ent.id, "联系人变更") == 1
    assert c.get("/home").status_code == 401  # the live session ends with its link
    r = client_factory().get(path)
    assert r.status_code == 403 and "登录链接已停用" in r.text and "023-0000-0000" in r.text


def test_forged_or_mangled_token_is_refused(client_factory):
    c = client_factory()
    good = issue("DDK001")
    for bad in (good[:-3] + "abc", "/l/eyJsIjoxLCJlIjoiRERLMDAyIiwieCI6OTk5OTk5OTk5OX0.forged", "/l/" + "A" * 600):
        r = c.get(bad)
        assert r.status_code == 403 and "登录链接无效" in r.text, bad


def test_a_tampered_session_cookie_is_no_session(client_factory):
    import base64
    import json

    c = client_factory()
    sign_in(c, "DDK001")
    value = c.cookies.get("campaign_portal")
    payload = json.loads(base64.b64decode(value.split(".")[0] + "=="))
    body = base64.b64encode(json.dumps({**payload, "e": "DDK002"}).encode()).decode()
    forged = body + "." + ".".join(value.split(".")[1:])
    c.cookies.set("campaign_portal", forged)
    assert c.get("/home").status_code == 401


def test_sign_in_attempts_are_rate_limited_per_address(client_factory):
    c = client_factory()
    statuses = [c.get("/l/not-a-token").status_code for _ in range(10)]
    assert statuses == [403] * 10
    r = c.get(issue("DDK001"))  # even a good link waits: the limit counts attempts, not failures
    assert r.status_code == 429 and "登录尝试过于频繁" in r.text and int(r.headers["retry-after"]) >= 1
    assert c.get("/home").status_code == 401
    assert _audit("web.signin_refused")[-1].detail == {"reason": "rate_limited"}


def test_upload_without_or_with_a_wrong_csrf_token_is_refused_before_the_file_is_written(client_factory, portal_home):
    c = client_factory()
    csrf = sign_in(c, "DDK001")
    for data in ({}, {"csrf_token": "wrong"}, {"csrf_token": ""}):
        r = c.post(
            "/deliverables/task-list-2023/upload",
            data=data,
            files={"file": ("DDK001_task-list-2023.xlsx", b"PK" + b"0" * 5000)},
        )
        assert r.status_code == 403 and "表单已失效" in r.text
    # Another session's valid token is wrong here too.
    other = client_factory()
    other_csrf = sign_in(other, "DDK002")
    assert other_csrf != csrf
    r = c.post(
        "/deliverables/task-list-2023/upload", data={"csrf_token": other_csrf}, files={"file": ("x.xlsx", b"PK")}
    )
    assert r.status_code == 403
    with session_scope() as s:
        assert s.query(m.Submission).count() == 0
    assert [a.detail["reason"] for a in _audit("web.upload_refused")] == ["csrf"] * 4
    assert not [p for p in (portal_home / "web-uploads").rglob("*") if p.is_file()]
    # Sign-out is a form too.
    assert c.post("/logout", data={}).status_code == 403
    assert c.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert c.get("/home").status_code == 401


def test_token_never_reaches_logs_database_or_audit(client_factory, portal_home, caplog):
    from campaign.config.settings import get_settings
    from campaign.notices.message import OutgoingMessage
    from campaign.notices.store import record_messages
    from notifications.channels import load_channels
    from notifications.delivery import notify_now
    from tests.conftest import read_outbox
    from tests.web.conftest import AS_OF

    channels = load_channels(get_settings().apprise_config_path)
    with session_scope() as s:
        notice = OutgoingMessage("notice:test:DDK001", "notice", "DDK001", "通知", "正文\n", "DDK001", None)
        record_messages(s, [notice], channels, AS_OF)
    notify_now([], AS_OF, channels, recorded_keys=["notice:test:DDK001"])
    [note] = read_outbox(portal_home)
    url = next(line for line in note["body"].splitlines() if "/l/" in line)
    assert url.startswith("http://127.0.0.1:8000/l/")
    assert "仅供示例城市建设投资集团有限公司（示例）（张明）使用" in note["body"]
    token = url.rsplit("/", 1)[1]
    c = client_factory()
    with caplog.at_level(logging.INFO, logger="campaign.web.access"):
        assert c.get(f"/l/{token}").status_code == 303  # the link from the message signs in
        assert c.get("/home").status_code == 200
    assert "/l/***" in caplog.text and token not in caplog.text
    with session_scope() as s:
        assert "/l/" not in s.scalars(select(m.Notification.body)).one()  # stored without the link
    with get_engine().connect() as conn:
        for table in ("notification", "audit_event", "portal_link", "submission"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                assert token not in str(tuple(row)), table
    # Files on disk (the SQLite database and its WAL included); the outbox is the channel itself.
    files = [p for p in portal_home.rglob("*") if p.is_file() and p.suffix != ".json" and p.stat().st_size < 5_000_000]
    assert not [p for p in files if token.encode() in p.read_bytes()]
