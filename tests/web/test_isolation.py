"""An enterprise never reads or changes another's data, by any URL or form field (issue 12 must-show).

Enterprise B files a version; A then requests every enterprise-facing route with B's identifiers
(B's submission ids, B's code in path, query and form) and gets 403/404 or only A's own data; B's
rows, stored files and audit trail are unchanged. A route added without the identity dependency
fails the route-table test.
"""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from sqlalchemy import select

from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.web.app import current_enterprise
from tests.support.filling import fill
from tests.web.conftest import sign_in

PUBLIC = {"/", "/l/{token}"}


def test_every_route_but_the_sign_in_ones_depends_on_the_session_identity(app):
    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    assert {r.path for r in routes} >= {
        "/home",
        "/results",
        "/submissions/{submission_id}",
        "/deliverables/{code}/template",
        "/deliverables/{code}/upload",
        "/logout",
    }
    for route in routes:
        if route.path in PUBLIC or route.path.startswith("/staff"):
            continue  # the SASAC console: every route's staff identity and role, tests/web/test_console.py
        calls = {d.call for d in route.dependant.dependencies}
        assert current_enterprise in calls, f"{route.path} has no current_enterprise dependency"
        # No route takes an enterprise from the request: no parameter may name one.
        names = {p.name for p in route.dependant.path_params + route.dependant.query_params}
        assert not names & {"enterprise", "enterprise_code", "enterprise_id", "code_enterprise"}, route.path


def _snapshot(b_id: int):
    with session_scope() as s:
        subs = [
            (x.id, x.version, x.status, x.content_hash, x.stored_path, x.enterprise_id)
            for x in s.scalars(select(m.Submission).where(m.Submission.enterprise_id == b_id).order_by(m.Submission.id))
        ]
        items = s.query(m.TaskItem).filter(m.TaskItem.enterprise_id == b_id).count()
        links = [
            (x.id, x.revoked_at) for x in s.scalars(select(m.PortalLink).where(m.PortalLink.enterprise_id == b_id))
        ]
    return subs, items, links


def test_enterprise_a_with_b_identifiers_gets_403_or_404_and_b_is_unchanged(client_factory, portal_home, tmp_path):
    a, b = client_factory(), client_factory()
    a_csrf, b_csrf = sign_in(a, "DDK001"), sign_in(b, "DDK002")
    tpl = tmp_path / "DDK002_task-list-2023.xlsx"
    tpl.write_bytes(b.get("/deliverables/task-list-2023/template").content)
    filled = fill(tpl)
    r = b.post(
        "/deliverables/task-list-2023/upload",
        data={"csrf_token": b_csrf},
        files={"file": (filled.name, filled.read_bytes())},
    )
    b_sub = int(r.headers["location"].rsplit("/", 1)[1].split("?")[0])
    with session_scope() as s:
        b_id = s.scalar(select(m.Enterprise.id).where(m.Enterprise.code == "DDK002"))
    before = _snapshot(b_id)
    b_name = "示例文化旅游发展集团有限公司"

    # Reads: B's submission, by id, however it is dressed up.
    for path in (
        f"/submissions/{b_sub}",
        f"/submissions/{b_sub}?enterprise=DDK002",
        f"/submissions/{b_sub}?same=1",
        "/submissions/0",
        "/submissions/999999",
        "/submissions/-1",
    ):
        r = a.get(path)
        assert r.status_code == 404, path
        assert b_name not in r.text and "DDK002_task-list-2023.xlsx" not in r.text
    assert a.get("/submissions/abc").status_code in (404, 422)
    # Pages that take no id show A's data only, whatever the query says.
    for path in ("/home?enterprise=DDK002", "/home?e=DDK002", "/results?enterprise=DDK002"):
        r = a.get(path)
        assert r.status_code == 200 and b_name not in r.text and "示例城市建设投资集团" in r.text, path
    # B's code in the path is not a route; B's name in the query does not pick B's template.
    assert a.get("/deliverables/DDK002/template").status_code == 404
    assert a.get("/enterprises/DDK002/home").status_code == 404
    got = a.get("/deliverables/task-list-2023/template?enterprise=DDK002")
    assert got.status_code == 200 and "DDK001_task-list-2023.xlsx" in got.headers["content-disposition"]

    # Writes: A posts B's workbook, names B in every field it can, and B's own CSRF token.
    r = a.post(
        "/deliverables/task-list-2023/upload",
        data={"csrf_token": b_csrf, "enterprise": "DDK002"},
        files={"file": (filled.name, filled.read_bytes())},
    )
    assert r.status_code == 403
    r = a.post(
        "/deliverables/task-list-2023/upload?enterprise=DDK002",
        data={"csrf_token": a_csrf, "enterprise": "DDK002", "enterprise_id": str(b_id)},
        files={"file": (filled.name, filled.read_bytes())},
    )
    assert r.status_code == 303
    page = a.get(r.headers["location"]).text
    assert "已退回" in page  # recorded as A's, refused: the workbook is B's (E_META_MISMATCH)
    # A's logout form with B's token does not end B's session.
    assert a.post("/logout", data={"csrf_token": b_csrf}).status_code == 403
    assert b.get("/home").status_code == 200

    assert _snapshot(b_id) == before
    with session_scope() as s:
        a_subs = s.scalars(select(m.Submission).join(m.Enterprise).where(m.Enterprise.code == "DDK001")).all()
        assert [(x.status, x.version) for x in a_subs] == [("rejected", 1)]
    # B still sees its own version and nothing of A's.
    home = b.get("/home").text
    assert "第1版" in home and "已接收" in home and "示例城市建设投资集团" not in home
    assert re.search(rf'href="/submissions/{b_sub}"', home)
