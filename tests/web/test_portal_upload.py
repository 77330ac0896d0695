"""The enterprise's own template out, files in through exactly the intake path, results back on the page."""

from __future__ import annotations

import io
import re
from datetime import UTC

from openpyxl import load_workbook
from sqlalchemy import select

from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.workbook import schema
from tests.conftest import read_outbox
from tests.support.filling import fill
from tests.web.conftest import sign_in


def _template(client, tmp_path, code="task-list-2023"):
    r = client.get(f"/deliverables/{code}/template")
    assert r.status_code == 200, r.text
    path = tmp_path / re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", r.headers["content-disposition"]).group(1)
    path.write_bytes(r.content)
    return path


def _upload(client, csrf, path, code="task-list-2023", name=None, extra=None):
    data = {"csrf_token": csrf, **(extra or {})}
    files = {"file": (name or path.name, path.read_bytes())}
    return client.post(f"/deliverables/{code}/upload", data=data, files=files)


def _meta(path) -> dict:
    wb = load_workbook(path)
    ws = wb[schema.META_SHEET]
    return {str(r[0].value): str(r[1].value) for r in ws.iter_rows() if r[0].value}


def test_template_is_the_enterprises_own_prefilled_workbook_and_the_download_is_audited(
    client_factory, portal_home, tmp_path
):
    c = client_factory()
    sign_in(c, "DDK001")
    path = _template(c, tmp_path)
    assert path.name == "DDK001_task-list-2023.xlsx"
    # The same file the flows hand out: written to outgoing/<deliverable>/ and served from there.
    assert (portal_home / "outgoing" / "task-list-2023" / path.name).read_bytes() == path.read_bytes()
    assert "DDK001" in _meta(path).values()
    assert (
        c.get("/deliverables/targets-2023/template")
        .headers["content-type"]
        .startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    )
    # Progress reports open later and have no template yet: 404, not someone else's file.
    assert c.get("/deliverables/progress-2023h1/template").status_code == 404
    assert c.get("/deliverables/plan-2023/template").status_code == 404  # 实施方案 has no unified template
    with session_scope() as s:
        rows = s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "web.download")).all()
        assert [(r.actor, r.entity_key) for r in rows] == [
            ("portal:DDK001/张明", "DDK001:task-list-2023"),
            ("portal:DDK001/张明", "DDK001:targets-2023"),
        ]


def test_faulty_upload_lists_every_problem_then_corrected_one_is_a_new_accepted_version(
    client_factory, portal_home, tmp_path
):
    c = client_factory()
    csrf = sign_in(c, "DDK001")
    template = _template(c, tmp_path)

    def edit(wb, ws, col):
        ws.cell(6, col["annual_target"], "稳步提升")
        ws.cell(12, col["level1"], "党的建设")

    (tmp_path / "faulty").mkdir()
    faulty = fill(template, tmp_path / "faulty" / "DDK001_task-list-2023.xlsx", edit=edit)
    r = _upload(c, csrf, faulty)
    assert r.status_code == 303 and r.headers["location"].startswith("/submissions/")
    page = c.get(r.headers["location"]).text
    assert "已退回：共 2 个问题" in page
    assert "第 6 行（净利润（万元））的年度目标值“稳步提升”未量化。" in page
    assert "修改方法：请填写“数值+单位”" in page and "不在对标维度范围内" in page
    home = c.get("/home").text
    assert home.index("2023年度目标任务清单（附件2）") < home.index("部署推动情况报告")  # returned items first
    assert "已退回" in home

    (tmp_path / "good").mkdir()
    good = fill(template, tmp_path / "good" / "DDK001_task-list-2023.xlsx")
    r = _upload(c, csrf, good)
    page = c.get(r.headers["location"]).text
    assert "已接收（回执）" in page and "第2版" in page and "按时报送" in page

    again = _upload(c, csrf, good)  # the same bytes again: one version, the page says so
    assert "未新增版本" in c.get(again.headers["location"]).text

    with session_scope() as s:
        subs = s.scalars(select(m.Submission).order_by(m.Submission.version)).all()
        assert [(x.version, x.status) for x in subs] == [(1, "rejected"), (2, "accepted")]
        assert s.query(m.TaskItem).count() == 9
        uploads = s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "web.upload")).all()
        assert [u.entity_key for u in uploads] == [f"DDK001:task-list-2023:v{v}" for v in (1, 2, 2)]
        recorded_by = s.scalars(select(m.AuditEvent.actor).where(m.AuditEvent.action == "submission.accepted")).all()
        assert recorded_by == ["intake"]
    # Receipt and rejection went out as messages too (delivered after the response), each with the link.
    kinds = sorted(n["key"].split(":")[0] for n in read_outbox(portal_home))
    assert kinds == ["receipt", "rejection"]
    assert all("/l/" in n["body"] for n in read_outbox(portal_home))
    assert not list((portal_home / "web-uploads").rglob("*.xlsx"))  # temporary copies are gone


def test_the_submitter_is_the_session_never_a_form_field(client_factory, portal_home, tmp_path):
    a, b = client_factory(), client_factory()
    csrf = sign_in(a, "DDK001")
    sign_in(b, "DDK002")
    b_template = _template(b, tmp_path)
    (tmp_path / "b").mkdir()
    b_file = fill(b_template, tmp_path / "b" / "DDK002_task-list-2023.xlsx")
    # A posts B's filled workbook and names B in the form: it is recorded as A's, and refused because
    # the workbook's hidden metadata belongs to another enterprise.
    r = _upload(a, csrf, b_file, extra={"enterprise": "DDK002", "enterprise_code": "DDK002"})
    page = a.get(r.headers["location"]).text
    assert "已退回" in page
    with session_scope() as s:
        [sub] = s.scalars(select(m.Submission)).all()
        assert sub.enterprise.code == "DDK001" and sub.status == "rejected"
        assert "E_META_MISMATCH" in [e["code"] for e in sub.errors]
    assert b.get("/home").text.count("第1版") == 0


def test_results_show_only_finalised_own_scores(client_factory, portal_home):
    from datetime import datetime

    with session_scope() as s:
        ids = dict(s.execute(select(m.Enterprise.code, m.Enterprise.id)).all())
        draft = m.Assessment(year=2024, status="awaiting_review", as_of=datetime(2025, 3, 10, tzinfo=UTC))
        final = m.Assessment(
            year=2023,
            status="final",
            as_of=datetime(2024, 2, 5, tzinfo=UTC),
            reviewer="审核人",
            finalized_at=datetime(2024, 2, 20, tzinfo=UTC),
        )
        s.add_all([draft, final])
        s.flush()
        for code, total, rank, grade in (("DDK001", 91.5, 1, "优秀"), ("DDK002", 77.25, 2, "良好")):
            s.add(
                m.AssessmentResult(
                    assessment_id=final.id,
                    enterprise_id=ids[code],
                    base_total=total,
                    total=total,
                    rank_in_category=rank,
                    category_size=3,
                    grade=grade,
                    notes=[],
                )
            )
            s.add(
                m.AssessmentScore(
                    assessment_id=final.id,
                    enterprise_id=ids[code],
                    row_no=5,
                    dimension="企业效益",
                    title=f"利润总额{code}",
                    indicator="利润总额",
                    target=12000,
                    actual=13000,
                    weight=10,
                    rule_kind="proportional",
                    rule_text="按完成率计分",
                    completion=1.08,
                    auto_score=10,
                    score=10,
                )
            )
            s.add(
                m.AssessmentResult(
                    assessment_id=draft.id,
                    enterprise_id=ids[code],
                    base_total=50,
                    total=50,
                    rank_in_category=1,
                    category_size=3,
                    grade="草稿",
                    notes=[],
                )
            )
    c = client_factory()
    sign_in(c, "DDK001")
    page = c.get("/results").text
    assert "2023 年度" in page and "91.50" in page and "优秀" in page and "第 1 名（共 3 户）" in page
    assert "利润总额DDK001" in page and "108.0%" in page
    assert "利润总额DDK002" not in page and "77.25" not in page  # another enterprise's row
    assert "2024 年度" not in page and "草稿" not in page  # not final: SASAC's draft, not a result


def test_pages_are_chinese_and_phone_sized(client_factory):
    c = client_factory()
    sign_in(c, "DDK001")
    page = c.get("/home").text
    assert '<html lang="zh-CN">' in page and 'name="viewport"' in page
    assert "<script" not in page and "style=" not in page  # the CSP forbids inline script and style
    assert io.StringIO(page).read().count('name="csrf_token"') >= 5
