"""An enterprise excused from a deliverable (免报) sees it as 已免报 on its portal home, not as owed."""

from campaign.calendar.clock import resolve_as_of
from campaign.db.session import session_scope
from campaign.submissions.store import grant_waiver
from tests.web.conftest import sign_in


def test_a_waived_deliverable_shows_as_waived_not_owed(client_factory):
    with session_scope() as session:
        grant_waiver(session, "DDK001", "plan-2023", "方案由集团统一报送", "王科长", resolve_as_of("2023-05-15"))
    c = client_factory()
    sign_in(c, "DDK001")
    page = c.get("/home").text
    block = page.split("对标世界一流企业价值创造行动实施方案", 1)[1].split("材料编号", 1)[0]
    assert "已免报" in block and "距截止" not in block
