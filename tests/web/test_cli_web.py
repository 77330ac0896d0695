"""`campaign links issue|revoke` and the link the demo prints."""

from __future__ import annotations

import re

from sqlalchemy import select
from typer.testing import CliRunner

from campaign.cli.app import app as cli
from campaign.db import models as m
from campaign.db.session import session_scope


def test_links_issue_prints_a_working_link_and_revoke_ends_it(client_factory, portal_home):
    runner = CliRunner()
    result = runner.invoke(cli, ["links", "issue", "--enterprise", "DDK003", "--by", "王科长"])
    assert result.exit_code == 0, result.output
    assert "已为示例产业投资集团有限公司（示例）（王芳）发放专属链接" in result.output
    path = re.search(r"http://127\.0\.0\.1:8000(/l/\S+)", result.output).group(1)
    c = client_factory()
    assert c.get(path).status_code == 303 and c.get("/home").status_code == 200

    result = runner.invoke(cli, ["links", "revoke", "--enterprise", "DDK003", "--reason", "联系人调岗"])
    assert result.exit_code == 0 and "已停用示例产业投资集团有限公司（示例）的 1 个专属链接" in result.output
    assert c.get("/home").status_code == 401
    assert client_factory().get(path).status_code == 403
    with session_scope() as s:
        events = s.scalars(select(m.AuditEvent).where(m.AuditEvent.action.like("link.%")))
        actions = [(a.actor, a.action) for a in events]
        assert actions == [("王科长", "link.issued"), ("区国资委", "link.revoked")]
        assert s.scalars(select(m.PortalLink)).one().revoked_reason == "联系人调岗"
    bad = runner.invoke(cli, ["links", "issue", "--enterprise", "DDK003", "--contact", "不存在"])
    assert bad.exit_code != 0 and "不是" in bad.output


def test_the_demo_link_is_the_one_messages_carry(client_factory, portal_home):
    from campaign.web.links import personal_link

    first = personal_link("DDK001")
    assert personal_link("DDK001") == first  # rebuilt from the row, not a new link each time
    path = first.split("127.0.0.1:8000", 1)[1]
    assert client_factory().get(path).status_code == 303
