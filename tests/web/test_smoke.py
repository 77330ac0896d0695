from tests.web.conftest import sign_in


def test_home_lists_deliverables(client_factory):
    c = client_factory()
    sign_in(c, "DDK001")
    r = c.get("/home")
    assert "2023年度目标任务清单（附件2）" in r.text
    assert "未报送" in r.text and "未开始" in r.text
