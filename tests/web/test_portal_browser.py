"""The enterprise's whole errand in headless Chromium (issue 12 must-show).

The deployment notice is built, recorded and delivered by the same functions the deployment-phase
flow's tasks call; the enterprise opens the link in its outbox notice, downloads its template,
uploads a faulty file and reads the reasons, uploads the corrected file and reads the receipt, and
sees the state change on its home. Screenshots land in test-artifacts/portal-*.png.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import read_outbox
from tests.support.browser import ARTIFACTS, chromium_page
from tests.support.filling import fill
from tests.web.conftest import AS_OF
from tests.web.live import live_portal

pytestmark = pytest.mark.timeout(300)


def _deployment_notices() -> None:
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.session import session_scope
    from campaign.notices.rules import build_deployment_notices
    from campaign.notices.store import record_messages
    from notifications.channels import load_channels
    from notifications.delivery import deliver_pending

    messages = build_deployment_notices(load_config(), AS_OF)
    channels = load_channels(get_settings().apprise_config_path)
    with session_scope() as session:
        record_messages(session, messages, channels, AS_OF)
        report = deliver_pending(session, channels, AS_OF, [msg.key for msg in messages])
    assert len(report.sent) == 9 and not report.failed


def test_enterprise_opens_its_link_downloads_uploads_faulty_then_corrected_and_sees_its_state(
    portal_config, portal_home, tmp_path
):
    from campaign.web.app import create_app

    _deployment_notices()
    [notice] = [n for n in read_outbox(portal_home) if n["to"] == ["ddk001"] or n["key"] == "notice:deployment:DDK001"]
    link = re.search(r"http://127\.0\.0\.1:\d+/l/\S+", notice["body"]).group(0)
    assert link.startswith(f"http://127.0.0.1:{portal_config}/l/")
    ARTIFACTS.mkdir(exist_ok=True)
    shots = []

    def shot(page, name):
        path = ARTIFACTS / f"portal-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)

    with live_portal(create_app(as_of=AS_OF), port=portal_config), chromium_page(width=1100, height=900) as page:
        page.goto(link)
        assert page.url.endswith("/home")
        card = page.locator("#d-task-list-2023")
        assert "未报送" in card.inner_text() and "2023年5月22日（星期一）" in card.inner_text()
        assert "距截止还有 2 天" in card.inner_text()
        shot(page, "1-home")

        with page.expect_download() as info:
            card.get_by_role("link", name="下载本单位填报模板").click()
        download = info.value
        assert download.suggested_filename == "DDK001_task-list-2023.xlsx"
        template = tmp_path / "download" / download.suggested_filename
        template.parent.mkdir()
        download.save_as(template)

        def edit(wb, ws, col):
            ws.cell(6, col["annual_target"], "稳步提升")

        (tmp_path / "faulty").mkdir()
        faulty = fill(template, tmp_path / "faulty" / "DDK001_task-list-2023.xlsx", edit=edit)
        card.locator("input[type=file]").set_input_files(str(faulty))
        card.get_by_role("button", name="上传").click()
        page.wait_for_url(re.compile(r"/submissions/\d+$"))
        body = page.locator("main").inner_text()
        assert "已退回：共 1 个问题" in body and "年度目标值“稳步提升”未量化" in body and "修改方法" in body
        shot(page, "2-rejected")

        page.get_by_role("link", name="返回报送材料首页").click()
        card = page.locator("#d-task-list-2023")
        assert "已退回" in card.inner_text()
        (tmp_path / "good").mkdir()
        good = fill(template, tmp_path / "good" / "DDK001_task-list-2023.xlsx")
        card.locator("input[type=file]").set_input_files(str(good))
        card.get_by_role("button", name="上传新版本").click()
        page.wait_for_url(re.compile(r"/submissions/\d+$"))
        body = page.locator("main").inner_text()
        assert "已接收（回执）" in body and "第2版" in body and "按时报送" in body
        shot(page, "3-receipt")

        page.get_by_role("link", name="返回报送材料首页").click()
        card = page.locator("#d-task-list-2023")
        text = card.inner_text()
        assert "已接收" in text and "第2版" in text and "第1版" in text and "距截止" not in text
        # Still owed items now come first; the accepted list has moved down.
        order = [el.get_attribute("id") for el in page.locator("section.card").all()]
        assert order.index("d-task-list-2023") > order.index("d-targets-2023")
        shot(page, "4-home-after")
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        shot(page, "5-home-phone")
    assert all(p.stat().st_size > 10_000 for p in shots)
    keys = sorted(n["key"].split(":")[0] for n in read_outbox(portal_home))
    assert keys.count("receipt") == 1 and keys.count("rejection") == 1
