"""Every message to an enterprise addresses it one way, 贵单位 (issue 11, item 12): the receipt and the rejection
said 你单位, the window notice 本单位, while notices and reminders said 贵单位."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from campaign.config.model import load_config
from campaign.notices.render import render_message
from campaign.outgoing.rules import TemplateFile
from campaign.reports.jinja import CAMPAIGN
from campaign.validation.problems import CATALOG

CONFIG = load_config()
OTHER_FORMS = re.compile(r"你单位|你公司|你企业|贵公司|贵企业|本单位|本企业|你们|您")
ENTERPRISE = {"code": "DDK001", "name": "示例城市建设投资集团有限公司（示例）"}
DELIVERABLE = CONFIG.deliverable("completion-2023")
DAY = date(2024, 1, 25)


def _receipt():
    return render_message(
        "receipt",
        issuer=CONFIG.campaign.issuer,
        enterprise=ENTERPRISE,
        deliverable=DELIVERABLE,
        version=1,
        original_name="DDK001_completion-2023.xlsx",
        received_at=DAY,
        on_time=True,
        sha256="ab" * 32,
        items=9,
        core_items=6,
        as_of=DAY,
    )


def _rejection():
    problem = {"message": "第5行“实际完成值”为空", "hint": "填写实际完成值（数值+单位）"}
    return render_message(
        "rejection",
        issuer=CONFIG.campaign.issuer,
        subject=DELIVERABLE.title,
        addressee=ENTERPRISE["name"],
        enterprise=ENTERPRISE,
        original_name="DDK001_completion-2023.xlsx",
        problems=[problem],
        deliverable=DELIVERABLE,
        sha256="cd" * 32,
        as_of=DAY,
    )


def _window_notice():
    return render_message(
        "notice_window",
        campaign=CONFIG.campaign,
        enterprise=ENTERPRISE,
        deliverables=[DELIVERABLE],
        templates={DELIVERABLE.id: TemplateFile("DDK001_completion-2023.xlsx", 1, 9)},
        filed_year={DELIVERABLE.id: 2023},
        as_of=DAY,
    )


@pytest.mark.parametrize("render", [_receipt, _rejection, _window_notice], ids=["receipt", "rejection", "window"])
def test_the_enterprise_is_addressed_as_gui_danwei(render):
    title, body = render()
    assert "贵单位" in body
    assert not OTHER_FORMS.search(title + body), body


@pytest.mark.parametrize("path", sorted((CAMPAIGN / "notices" / "templates").glob("*.j2")), ids=lambda p: p.name)
def test_no_message_template_uses_another_form_of_address(path: Path):
    text = path.read_text(encoding="utf-8")
    assert not OTHER_FORMS.search(text), OTHER_FORMS.findall(text)


def test_every_problem_text_a_rejection_quotes_uses_the_same_address():
    offending = {code: OTHER_FORMS.findall(m + h) for code, (m, h) in CATALOG.items() if OTHER_FORMS.search(m + h)}
    assert offending == {}
