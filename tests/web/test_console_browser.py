"""The SASAC console in headless Chromium (issue 13 must-show), beside the enterprise's portal.

A reviewer signs in and watches DDK001's 目标任务清单 turn from 未报送 to 已接收 when the enterprise
uploads through its portal; returns it with a reason, and the enterprise's portal shows the return.
An admin waives DDK003's list, and the next reminder run (the real flow) skips DDK003. Screenshots
land in test-artifacts/console-*.png.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign.db import models as m
from campaign.db.session import session_scope
from tests.support.browser import ARTIFACTS, chromium_page
from tests.support.filling import fill
from tests.web.conftest import AS_OF, issue
from tests.web.live import live_portal
from tests.web.test_console import PASSWORD, _users

pytestmark = pytest.mark.timeout(300)
REASON = "利润总额年度目标低于上年实际值，请按方案要求重新测算后报送。"


def _sign_in_staff(page, base: str, username: str) -> None:
    page.goto(f"{base}/staff")
    assert "工作人员登录" in page.locator("main").inner_text()  # signed out: the console asks who you are
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/staff")


def test_reviewer_returns_an_upload_the_enterprise_sees_why_and_a_waiver_silences_reminders(
    portal_config, portal_home, tmp_path, prefect_harness
):
    from campaign.web.app import create_app
    from flows.reminders import reminders

    _users()
    ARTIFACTS.mkdir(exist_ok=True)
    shots = []

    def shot(page, name):
        path = ARTIFACTS / f"console-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)

    cell_link = "a[href='/staff/cells/DDK001/task-list-2023']"
    with live_portal(create_app(as_of=AS_OF), port=portal_config) as base, chromium_page(1400, 900) as staff:
        _sign_in_staff(staff, base, "reviewer")
        assert staff.locator(cell_link).inner_text() == "未报送"
        shot(staff, "1-matrix")

        ent = staff.context.browser.new_page(viewport={"width": 1100, "height": 900})  # its own cookies
        ent.goto(base + issue("DDK001"))
        card = ent.locator("#d-task-list-2023")
        with ent.expect_download() as info:
            card.get_by_role("link", name="下载本单位填报模板").click()
        template = tmp_path / "DDK001_task-list-2023.xlsx"
        info.value.save_as(template)
        (tmp_path / "good").mkdir()
        card.locator("input[type=file]").set_input_files(str(fill(template, tmp_path / "good" / template.name)))
        card.get_by_role("button", name="上传").click()
        ent.wait_for_url(re.compile(r"/submissions/\d+$"))

        staff.reload()
        assert staff.locator(cell_link).inner_text() == "已接收1"  # state and version count
        shot(staff, "2-matrix-received")
        staff.locator(cell_link).click()
        staff.get_by_label("退回理由（将发给企业，最多 500 字）").fill(REASON)
        staff.get_by_role("button", name="退回", exact=True).click()
        assert "已退回，退回通知已发给企业。" in staff.locator("main").inner_text()
        assert "经审核退回" in staff.locator("#v1").inner_text()
        shot(staff, "3-cell-returned")

        ent.goto(f"{base}/home")
        text = ent.locator("#d-task-list-2023").inner_text()
        assert "已退回" in text and "经审核退回" in text and REASON in text
        ent.screenshot(path=str(ARTIFACTS / "console-4-portal-sees-return.png"), full_page=True)

        admin = staff.context.browser.new_page(viewport={"width": 1400, "height": 900})
        _sign_in_staff(admin, base, "admin")
        admin.locator("a[href='/staff/cells/DDK003/task-list-2023']").click()
        admin.get_by_label("免报理由（记入审计）").fill("企业正在重组，经区国资委同意本期不报送")
        admin.get_by_role("button", name="免报此项").click()
        assert "已免报" in admin.locator("main").inner_text()
        admin.goto(f"{base}/staff")
        assert admin.locator("a[href='/staff/cells/DDK003/task-list-2023']").inner_text() == "已免报"
        shot(admin, "5-matrix-waived")

    result = reminders(as_of="2023-05-22")  # the next reminder run: the deadline day
    with session_scope() as s:
        keys = set(s.scalars(select(m.Notification.key).where(m.Notification.kind == "reminder")))
    task_list = {k.split(":")[1] for k in keys if ":task-list-2023:" in k}
    assert "DDK003" not in task_list and {"DDK002", "DDK004"} <= task_list, result
    assert "DDK001" in task_list  # returned: it owes the list again
    assert all(p.stat().st_size > 10_000 for p in shots)
