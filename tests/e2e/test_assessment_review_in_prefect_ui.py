"""The annual-assessment review as SASAC does it: in the Prefect UI's own form, in a real browser.

`campaign serve` (its Prefect server, with the UI) serves this CAMPAIGN_HOME; `campaign assess 2023`
runs as an operator starts it, finds that server through its record, scores and pauses. Headless
Chromium opens the paused run, clicks Resume, fills the form the RunInput model generates (reviewer,
one adjustment added with the array widget, its reason) and submits. The command must then finish,
the run be Completed, and the adjustment be in the audit trail and the final scores. Ctrl-C then
stops `campaign serve`, which must leave no process behind.

Needs Debian's chromium at /usr/bin/chromium: fails, never skips. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import httpx
import pytest
import sqlalchemy as sa

from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.runtime.stack import free_port
from tests.support.assessment import RD_ROW, file_2023, weak_total_with_rd_adjusted_to
from tests.support.browser import ARTIFACTS, chromium_page
from tests.support.processes import descendants, start_campaign, survivors, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

REVIEWER = "王科长"
REASON = "研发投入统计口径调整，经核实按10分计"


def _paused_run(api: str, year: int) -> str | None:
    with session_scope() as session:
        run_id = session.scalar(sa.select(m.Assessment.flow_run_id).where(m.Assessment.year == year))
    if not run_id:
        return None
    state = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()["state"]
    return run_id if state and state["type"] == "PAUSED" else None


def _field(scope, title: str):
    """The input of the form property whose label starts with `title` (the labels are the model's titles;
    the UI's <label for> points nowhere, so get_by_label cannot find them)."""
    prop = (
        "xpath=.//div[contains(concat(' ', normalize-space(@class), ' '), ' schema-form-property ')]"
        f"[./div[contains(@class, 'p-label__header')]//span[contains(@class, 'schema-form-property__label')"
        f" and starts-with(normalize-space(.), '{title}')]]"
    )
    return scope.locator(prop).first.locator("xpath=(.//textarea | .//input)[1]")


def test_sasac_reviews_the_assessment_in_the_prefect_ui_form(initialized_home, tmp_path):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    file_2023(tmp_path / "filings")
    port = free_port()
    api, ui = f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}"
    # As an operator runs them: no PREFECT_API_URL; `campaign assess` finds serve's server by its record.
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-cli")
    serve_log, log = tmp_path / "serve.log", tmp_path / "assess.log"
    args = ["serve", "--port", str(port), "--workers", "0", "--no-deploy", "--web-port", "0"]
    serve = start_campaign([*args, "--prefect-home", str(tmp_path / "prefect-server")], env, serve_log)
    assess = None
    try:
        wait_for(
            lambda: "已就绪" in serve_log.read_text(encoding="utf-8") or serve.poll() is not None,
            180,
            "campaign serve",
            serve_log,
        )
        assert serve.poll() is None, "campaign serve exited:\n" + serve_log.read_text(encoding="utf-8")
        assess = start_campaign(["assess", "2023", "--as-of", "2024-02-05"], env, log)
        run_id = wait_for(
            lambda: _paused_run(api, 2023) or assess.poll() is not None, 120, "the assessment to pause", log
        )
        assert assess.poll() is None, "campaign assess exited before the review:\n" + log.read_text(encoding="utf-8")

        with chromium_page(1400, 1500) as page:  # tall enough for the whole filled form in one screenshot
            page.goto(f"{ui}/runs/flow-run/{run_id}")
            expect(page.locator(".state-badge.state--paused")).to_be_visible(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "prefect-review-paused.png"))

            page.get_by_role("button", name="Resume").first.click()
            form = page.locator(".p-modal__card")
            # The pause's description tells the reviewer what is under review and where the scoring sheet is.
            expect(form.get_by_text("2023 年度考核审核")).to_be_visible(timeout=30_000)
            expect(form.get_by_text("2023年度考核评分表.xlsx")).to_be_visible()
            _field(form, "审核人").fill(REVIEWER)
            form.get_by_role("button", name="Add item").click()  # the adjustments list's array widget
            item = form.locator(".schema-form-property-array-item").first
            _field(item, "企业代码").fill("DDK005")
            _field(item, "行号").fill(str(RD_ROW))
            _field(item, "调整后得分").fill("10")
            _field(item, "调整理由").fill(REASON)
            page.screenshot(path=str(ARTIFACTS / "prefect-review-form.png"))

            form.get_by_role("button", name="Submit").click()
            expect(form).to_be_hidden(timeout=30_000)
            # The run page follows the run: Running while it finalises, then Completed.
            expect(page.locator(".state-badge.state--completed")).to_be_visible(timeout=120_000)
            page.screenshot(path=str(ARTIFACTS / "prefect-review-completed.png"))

        assess.wait(60)
        output = log.read_text(encoding="utf-8")
        assert assess.returncode == 0, output
        with httpx.Client(base_url=api, timeout=10) as client:
            assert client.get(f"/flow_runs/{run_id}").json()["state"]["type"] == "COMPLETED"
            (answer,) = client.post(
                f"/flow_runs/{run_id}/input/filter", json={"prefix": "paused-assessment-2023-response"}
            ).json()
    finally:
        if assess is not None and assess.poll() is None:
            assess.kill()
            assess.wait(10)
        # Ctrl-C, as in the terminal running `campaign serve`: everything it started must stop.
        started = descendants(serve.pid)
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(60)
        except subprocess.TimeoutExpired:
            serve.kill()
    assert serve.returncode == 0 and "已全部停止" in serve_log.read_text(encoding="utf-8")
    assert not survivors(started), f"left behind by campaign serve after Ctrl-C: {started}"

    # What the form sent, as the server stored it: the fields typed in the browser, with the UI's typing.
    assert json.loads(answer["value"]) == {
        "reviewer": REVIEWER,
        "approve": True,
        "adjustments": [{"enterprise": "DDK005", "row_no": RD_ROW, "score": 10, "reason": REASON}],
    }
    result = json.loads(output[output.index("\n{\n") :])  # print_json follows the opening line
    ddk005 = next(r for r in result["results"] if r["code"] == "DDK005")
    weak = weak_total_with_rd_adjusted_to(10)
    # 76.7 without the adjustment (合格); the reviewer's 10 points for R&D make it 86.7 (良好)
    assert (result["status"], result["reviewer"], result["changes"]) == ("final", REVIEWER, 1)
    assert ddk005["total"] == pytest.approx(weak, abs=0.05) and ddk005["grade"] == "良好"

    with session_scope() as session:
        adjusted = session.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "score.adjusted")).one()
        assert (adjusted.actor, adjusted.entity_key) == (REVIEWER, f"2023:DDK005:{RD_ROW}")
        assert (adjusted.detail["old"], adjusted.detail["new"], adjusted.detail["reason"]) == (0.0, 10.0, REASON)
        finalized = session.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "assessment.finalized")).one()
        assert finalized.actor == REVIEWER
        assert finalized.detail["totals"]["DDK005"] == pytest.approx(weak, abs=0.05)
        row = session.scalars(
            sa.select(m.AssessmentScore)
            .join(m.Enterprise)
            .where(m.Enterprise.code == "DDK005", m.AssessmentScore.row_no == RD_ROW)
        ).one()
        assert (row.score, row.adjusted, row.note) == (10.0, True, f"区国资委调整：{REASON}")
        stored = session.scalars(
            sa.select(m.AssessmentResult).join(m.Enterprise).where(m.Enterprise.code == "DDK005")
        ).one()
        assert (stored.total, stored.grade) == (pytest.approx(weak, abs=0.05), "良好")
        assessment = session.scalars(sa.select(m.Assessment).where(m.Assessment.year == 2023)).one()
        assert (assessment.status, assessment.reviewer) == ("final", REVIEWER)
