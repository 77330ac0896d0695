"""Email reads as it was written (issue 11, item 18): the deployment notice is sent through a real SMTP server
(a local aiosmtpd) by the project's own sender, and the received mail is opened as a mail client would:
subject, paragraphs, numbered items and the signature block intact in text/plain and text/html."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from html.parser import HTMLParser

import pytest
from aiosmtpd.controller import Controller

from campaign.calendar.clock import resolve_as_of
from campaign.config.model import load_config
from campaign.notices.rules import build_deployment_notices
from notifications.channels import parse_channels
from notifications.delivery import Sender
from notifications.email import email_html

CONFIG = load_config()


class _Inbox:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.received.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


class _Blocks(HTMLParser):
    """What a mail client shows: the text of each block element (<p>, <div> with text), lines split at <br>."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "div"):
            self.blocks.append([""])
        elif tag == "br" and self.blocks:
            self.blocks[-1].append("")

    def handle_data(self, data):
        if self.blocks and data.strip():
            self.blocks[-1][-1] += data.strip()


def _send_and_receive(port: int, inbox: _Inbox, message) -> email.message.EmailMessage:
    url = f"mailto://127.0.0.1:{port}?from=sasac@example.org&to=ddk001@example.org&mode=insecure"
    channels = parse_channels({"default": [url], "delivery": {"attempts_per_run": 1, "backoff_seconds": 0}})
    at = "2023-05-12T09:00:00+08:00"
    with Sender(channels) as sender:
        outcome = sender.send(message.recipient, message.key, message.title, message.body, at)
    assert outcome.delivered, outcome.error
    deadline = time.monotonic() + 10
    while not inbox.received and time.monotonic() < deadline:
        time.sleep(0.05)
    return email.message_from_bytes(inbox.received[-1], policy=email.policy.default)


def _paragraphs(text: str) -> list[list[str]]:
    """Paragraphs (split at blank lines), each as its lines without the indentation."""
    text = text.replace("\r\n", "\n").strip()
    return [[line.strip() for line in block.split("\n") if line.strip()] for block in re.split(r"\n\s*\n", text)]


def test_the_deployment_notice_arrives_with_its_paragraphs_list_and_signature(smtp_server):
    port, inbox = smtp_server
    notice = build_deployment_notices(CONFIG, resolve_as_of("2023-05-12"))[0]
    received = _send_and_receive(port, inbox, notice)

    assert received["Subject"] == notice.title
    plain = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()

    # text/plain: the same paragraphs, the same lines, numbers kept
    sent = _paragraphs(notice.body)
    assert _paragraphs(plain) == sent
    assert len(sent) >= 6
    assert "1. 对标世界一流企业价值创造行动实施方案" in plain.splitlines()
    assert plain.replace("\r\n", "\n").rstrip().endswith(f"{CONFIG.campaign.issuer}\n2023年5月12日")

    # text/html: one block per paragraph or list item, lines kept apart, the signature lines too
    parser = _Blocks()
    parser.feed(html)
    blocks = [[line for line in b if line] for b in parser.blocks if any(b)]
    assert ["示例城市建设投资集团有限公司（示例）："] in blocks
    items = [b for b in blocks if re.match(r"^\d+\. ", b[0])]
    assert [b[0][:3] for b in items] == ["1. ", "2. ", "3. ", "4. ", "1. ", "2. ", "3. ", "4. "]
    assert items[0] == ["1. 对标世界一流企业价值创造行动实施方案", "材料编号：plan-2023；文件格式：docx 或 pdf"]
    assert blocks[-1] == ["联系方式：区国资委企业改革科 023-0000-0000", CONFIG.campaign.issuer, "2023年5月12日"]
    assert len(blocks) > 15  # not one run-on paragraph


def test_html_is_escaped_and_the_text_part_derived_from_it_gives_the_text_back():
    from apprise import NotifyFormat
    from apprise.conversion import convert_between

    text = "甲公司：\n\n请报送<附件>＆清单：\n1. 方案\n   材料编号：plan-2023\n2. 清单\n\n区国资委\n2023年5月12日\n"
    html = email_html(text)
    assert "&lt;附件&gt;" in html and "<附件>" not in html
    assert _paragraphs(convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, html)) == _paragraphs(text)
