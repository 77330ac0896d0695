"""The SASAC console: who may see what, the matrix, 备案 review and 免报 through the pages staff use."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.staff.store import add_user, reset_password
from tests.conftest import read_outbox
from tests.support.filling import fill
from tests.web.conftest import AS_OF, sign_in
from tests.web.test_portal_upload import _template, _upload

PASSWORD = "Campaign-Desk-2023"

# Every console route and the least role it needs. A route added to the app but not here fails the
# first test, so a new page cannot ship without being checked for who may open it.
ROUTES = {
    ("GET", "/staff"): "查看",
    ("GET", "/staff/cells/DDK001/task-list-2023"): "查看",
    ("GET", "/staff/files/1"): "查看",
    ("GET", "/staff/actions"): "查看",
    ("GET", "/staff/reports"): "查看",
    ("GET", "/staff/reports/file"): "查看",
    ("GET", "/staff/audit"): "审核",
    ("GET", "/staff/audit.xlsx"): "审核",
    ("POST", "/staff/submissions/1/file"): "审核",
    ("POST", "/staff/submissions/1/return"): "审核",
    ("POST", "/staff/actions/half-year"): "审核",
    ("POST", "/staff/actions/assessment"): "审核",
    ("POST", "/staff/actions/final-review"): "审核",
    ("POST", "/staff/waivers/DDK001/task-list-2023"): "管理",
    ("POST", "/staff/messages/resend"): "管理",
    ("POST", "/staff/logout"): "查看",
}
OPEN = {("GET", "/staff/login"), ("POST", "/staff/login")}


def _users():
    with session_scope() as s:
        for name, role in (("viewer", "查看"), ("reviewer", "审核"), ("admin", "管理")):
            add_user(s, name, f"测试{role}", role, PASSWORD, by="test", at=AS_OF)


def staff_sign_in(client, username: str, password: str = PASSWORD):
    form = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token})


def csrf_of(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff").text).group(1)


@pytest.fixture
def staff(portal_home):
    _users()


def _path_shapes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/staff"):
            for method in getattr(route, "methods", set()) - {"HEAD"}:
                found.add((method, re.sub(r"\{[^}]+\}", "{}", path)))
    return found


def test_every_staff_route_refuses_a_signed_out_visitor_an_enterprise_and_a_role_too_low(app, client_factory, staff):
    listed = {(meth, re.sub(r"/(DDK001|task-list-2023|1)(?=/|$)", "/{}", path)) for meth, path in ROUTES}
    assert _path_shapes(app) == listed | OPEN, "every console route is listed in ROUTES with its role"

    def call(client, method, path):
        return client.get(path) if method == "GET" else client.post(path, data={"csrf_token": "x"})

    visitor = client_factory()
    enterprise = client_factory()
    sign_in(enterprise, "DDK001")
    for (method, path), _role in ROUTES.items():
        for who, client in (("signed-out", visitor), ("enterprise", enterprise)):
            r = call(client, method, path)
            assert r.status_code == 401, (who, method, path, r.status_code)
            assert "工作人员登录" in r.text and "DDK001" not in r.text.replace('DDK001"', "")
    ranks = {"查看": 0, "审核": 1, "管理": 2}
    for username, role in (("viewer", "查看"), ("reviewer", "审核")):
        client = client_factory()
        assert staff_sign_in(client, username).status_code == 303
        for (method, path), needed in ROUTES.items():
            if ranks[role] < ranks[needed]:
                r = call(client, method, path)
                assert r.status_code == 403, (username, method, path, r.status_code)
                assert f"需要“{needed}”及以上权限" in r.text
    # The enterprise's own portal session still works: the refusals did not touch it.
    assert enterprise.get("/home").status_code == 200


def test_sign_in_is_rate_limited_audited_and_a_password_reset_ends_open_sessions(client_factory, staff):
    c = client_factory()
    assert staff_sign_in(c, "reviewer", "wrong-password-123").status_code == 401
    assert staff_sign_in(c, "reviewer").status_code == 303
    assert c.get("/staff").status_code == 200
    with session_scope() as s:
        reset_password(s, "reviewer", "Another-Desk-2024", by="admin", at=datetime.now(UTC))
    r = c.get("/staff")
    assert r.status_code == 401 and "账户已停用或密码已重置" in r.text
    attacker = client_factory()
    codes = [staff_sign_in(attacker, "admin", f"guess-{i}-xxxxxxxx").status_code for i in range(12)]
    assert codes[:8] == [401] * 8 and 429 in codes  # 10 a minute per address (config web.signin_per_minute)
    with session_scope() as s:
        actions = [a for (a,) in s.execute(select(m.AuditEvent.action).where(m.AuditEvent.entity == "staff_user"))]
    assert actions.count("staff.signin") == 1
    assert actions.count("staff.signin_refused") >= 10
    assert "staff.password_reset" in actions


def test_an_idle_session_expires(client_factory, staff, monkeypatch):
    from campaign.web import links

    c = client_factory()
    staff_sign_in(c, "viewer")
    assert c.get("/staff").status_code == 200
    later = links.wall_clock() + timedelta(minutes=31)
    monkeypatch.setattr(links, "wall_clock", lambda: later)
    r = c.get("/staff")
    assert r.status_code == 401 and "长时间未操作" in r.text


def test_reviewer_sees_the_upload_returns_it_and_the_enterprise_sees_the_reason(
    client_factory, staff, tmp_path, portal_home
):
    ent = client_factory()
    ent_csrf = sign_in(ent, "DDK001")
    reviewer = client_factory()
    staff_sign_in(reviewer, "reviewer")
    cell = '<td class="cell s-{}"><a href="/staff/cells/DDK001/task-list-2023"'
    assert cell.format("missing") in reviewer.get("/staff").text
    assert _upload(ent, ent_csrf, fill(_template(ent, tmp_path))).status_code == 303
    page = reviewer.get("/staff").text
    assert cell.format("accepted") in page
    detail = reviewer.get("/staff/cells/DDK001/task-list-2023").text
    assert "第1版" in detail and "确认备案" in detail and "下载文件" in detail
    with session_scope() as s:
        sub = s.scalars(select(m.Submission)).one()
        sid = sub.id
    download = reviewer.get(f"/staff/files/{sid}")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    csrf = csrf_of(reviewer)
    # No reason, no return: the page says why and nothing changes.
    r = reviewer.post(f"/staff/submissions/{sid}/return", data={"csrf_token": csrf, "reason": "  "})
    assert r.status_code == 400 and "退回须写明理由" in r.text
    r = reviewer.post(
        f"/staff/submissions/{sid}/return",
        data={"csrf_token": csrf, "reason": "利润总额年度目标低于上年实际值，请按方案要求重新测算。"},
    )
    assert r.status_code == 303
    assert cell.format("rejected") in reviewer.get("/staff").text
    home = ent.get("/home").text
    assert "经审核退回" in home and "利润总额年度目标低于上年实际值" in home
    with session_scope() as s:
        sub = s.get(m.Submission, sid)
        assert (sub.status, sub.review, sub.reviewed_by) == ("rejected", "returned", "staff:reviewer")
        assert sub.stored_path is not None  # the file is kept: a return is a state, not a deletion
        note = s.scalars(select(m.Notification).where(m.Notification.key == "return:DDK001:task-list-2023:v1")).one()
        assert note.recipient == "DDK001" and "经审核退回" in note.title
    sent = [o for o in read_outbox(portal_home) if o["title"].startswith("【") and "经审核退回" in o["title"]]
    assert len(sent) == 1 and "利润总额年度目标低于上年实际值" in sent[0]["body"]
    # Returning it again is refused with the reason.
    r = reviewer.post(f"/staff/submissions/{sid}/return", data={"csrf_token": csrf, "reason": "再次退回"})
    assert r.status_code == 400 and "不能重复审核" in r.text


def test_reviewer_files_a_version_and_the_matrix_counts_it(client_factory, staff, tmp_path):
    ent = client_factory()
    ent_csrf = sign_in(ent, "DDK002")
    _upload(ent, ent_csrf, fill(_template(ent, tmp_path)))
    reviewer = client_factory()
    staff_sign_in(reviewer, "reviewer")
    with session_scope() as s:
        sid = s.scalars(select(m.Submission.id)).one()
    assert reviewer.post(f"/staff/submissions/{sid}/file", data={"csrf_token": csrf_of(reviewer)}).status_code == 303
    page = reviewer.get("/staff").text
    assert '<td class="cell s-filed"><a href="/staff/cells/DDK002/task-list-2023"' in page
    assert "已备案" in ent.get("/home").text


def test_admin_waives_and_the_matrix_and_completeness_stop_counting_it(client_factory, staff):
    viewer, admin = client_factory(), client_factory()
    staff_sign_in(viewer, "viewer")
    staff_sign_in(admin, "admin")
    before = viewer.get("/staff?phase=deployment").text
    r = admin.post(
        "/staff/waivers/DDK003/task-list-2023",
        data={"csrf_token": csrf_of(admin), "reason": "企业正在重组，经批准暂不报送"},
    )
    assert r.status_code == 303
    after = viewer.get("/staff?phase=deployment").text
    assert '<td class="cell s-waived"><a href="/staff/cells/DDK003/task-list-2023"' in after
    expected = lambda page: re.findall(r"已报 (\d+) / 应报 (\d+)", page)  # noqa: E731
    assert [int(e) for _, e in expected(after)] != [int(e) for _, e in expected(before)]
    # A viewer cannot waive, and a waiver without a reason is refused.
    assert viewer.post("/staff/waivers/DDK004/task-list-2023", data={"reason": "x"}).status_code == 403
    r = admin.post("/staff/waivers/DDK004/task-list-2023", data={"csrf_token": csrf_of(admin), "reason": ""})
    assert r.status_code == 400 and "免报须写明理由" in r.text


def test_matrix_filters_and_as_of(client_factory, staff):
    c = client_factory()
    staff_sign_in(c, "viewer")
    page = c.get("/staff").text
    assert page.count('<tr><th scope="row">') == 9  # the nine sample enterprises
    assert "未开始" in page and "完整率" in page and "及时率" in page
    one_category = c.get("/staff?category=公益类").text
    assert 0 < one_category.count('<tr><th scope="row">') < 9
    bad = c.get("/staff?phase=nope")
    assert bad.status_code == 400 and "没有阶段“nope”" in bad.text
    assert c.get("/staff?as_of=2023-02-30").status_code == 400
    early = c.get("/staff?as_of=2023-05-01").text
    assert '<td class="cell s-missing' not in early  # nothing was open before the deployment notice
    assert early.count('<td class="cell s-not_started') == 9 * 14


def test_audit_page_filters_and_exports(client_factory, staff):
    admin = client_factory()
    staff_sign_in(admin, "admin")
    admin.post("/staff/waivers/DDK005/plan-2023", data={"csrf_token": csrf_of(admin), "reason": "合并至集团方案"})
    page = admin.get("/staff/audit?group=waivers").text
    assert "waiver.granted" in page and "staff.signin" not in page
    xlsx = admin.get("/staff/audit.xlsx?enterprise=DDK005")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content))["审计记录"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == ["waiver.granted"] and rows[0][4] == "DDK005:plan-2023"


def test_buttons_without_a_prefect_server_say_what_to_do(client_factory, staff, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    reviewer = client_factory()
    staff_sign_in(reviewer, "reviewer")
    # Whatever server an earlier test of this session started, this one has none.
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        r = reviewer.post("/staff/actions/final-review", data={"csrf_token": csrf_of(reviewer)})
    assert r.status_code == 503 and "没有运行中的 Prefect 服务器" in r.text and "campaign serve" in r.text


def test_a_button_starts_the_deployment_run_and_links_to_it_in_the_prefect_ui(client_factory, staff, prefect_harness):
    from prefect import get_client
    from prefect.settings import get_current_settings

    from flows.final_review import final_review

    deployment_id = final_review.to_deployment(name="final-review").apply()
    reviewer = client_factory()
    staff_sign_in(reviewer, "reviewer")
    r = reviewer.post("/staff/actions/final-review", data={"csrf_token": csrf_of(reviewer)})
    assert r.status_code == 303 and r.headers["location"] == "/staff/actions"
    page = reviewer.get("/staff/actions").text
    ui = get_current_settings().api.url.removesuffix("/api")
    run_id = re.search(re.escape(ui) + r"/runs/flow-run/([0-9a-f-]{36})", page).group(1)
    assert "已启动“深化评估阶段总结评估”" in page
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
    assert run.deployment_id == deployment_id and {"console", "by:reviewer"} <= set(run.tags)
    with session_scope() as s:
        event = s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "console.run")).one()
    assert (event.actor, event.entity_key) == ("staff:reviewer", run_id)
    assert event.detail["deployment"] == "final-review/final-review"
    # The started run is shown once: a reload does not repeat it.
    assert run_id not in reviewer.get("/staff/actions").text
