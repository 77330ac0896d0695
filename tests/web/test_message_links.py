"""Every message to an enterprise leaves with its personal link; messages to SASAC do not; none is stored with it."""

from __future__ import annotations

from sqlalchemy import select

from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.notices.message import OutgoingMessage
from campaign.notices.store import record_messages
from notifications.channels import load_channels
from notifications.delivery import notify_now
from tests.conftest import read_outbox
from tests.web.conftest import AS_OF

KINDS = ("notice", "reminder", "receipt", "rejection", "result")


def test_notice_reminder_receipt_rejection_and_result_carry_the_link_digest_does_not(portal_home):
    channels = load_channels(get_settings().apprise_config_path)
    messages = [
        OutgoingMessage(f"{kind}:test:DDK004", kind, "DDK004", f"标题{kind}", "正文\n", "DDK004", None)
        for kind in KINDS
    ]
    messages.append(OutgoingMessage("digest:test", "digest", "sasac", "逾期汇总", "正文\n"))
    with session_scope() as s:
        record_messages(s, messages, channels, AS_OF)
    notify_now([], AS_OF, channels, recorded_keys=[msg.key for msg in messages])
    bodies = {n["key"].split(":")[0]: n["body"] for n in read_outbox(portal_home)}
    links = {kind: next(line for line in bodies[kind].splitlines() if "/l/" in line) for kind in KINDS}
    assert len(set(links.values())) == 1  # one current link per enterprise, rebuilt for each message
    assert "仅供示例水务有限公司（示例）" in bodies["notice"]
    assert "/l/" not in bodies["digest"]
    with session_scope() as s:
        assert s.query(m.PortalLink).count() == 1
        assert not [b for b in s.scalars(select(m.Notification.body)) if "/l/" in b]
