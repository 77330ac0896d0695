"""Must show: the whole campaign for the sample district, simulated through the real flows, files, database
and outbox; the counts are exact for the seed; a replay over the same home changes nothing."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date

import sqlalchemy as sa

from campaign.config.model import load_config
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.simulation.behaviour import assign_profiles, outcome_counts, plan_actions

START, END, SEED = date(2023, 5, 12), date(2025, 7, 21), 1


def _snapshot(home) -> dict:
    with session_scope() as session:
        count = lambda model: session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        kinds = Counter(
            dict(session.execute(sa.select(m.Notification.kind, sa.func.count()).group_by(m.Notification.kind)).all())
        )
        statuses = Counter(
            dict(session.execute(sa.select(m.Submission.status, sa.func.count()).group_by(m.Submission.status)).all())
        )
        return {
            "kinds": kinds,
            "submissions": statuses,
            "late": session.scalar(
                sa.select(sa.func.count())
                .select_from(m.Submission)
                .where(m.Submission.status == "accepted", m.Submission.on_time.is_(False))
            ),
            "undelivered": session.scalar(
                sa.select(sa.func.count()).select_from(m.Notification).where(m.Notification.status != "sent")
            ),
            "assessments": session.execute(
                sa.select(m.Assessment.year, m.Assessment.status, m.Assessment.reviewer).order_by(m.Assessment.year)
            ).all(),
            "grades": _grades(session),
            "rows": (count(m.Notification), count(m.Submission), count(m.AuditEvent)),
            "outbox": sorted(p.name for p in (home / "outbox").glob("*.json")),
            "inbox_left": sorted(p.name for p in (home / "inbox").iterdir() if p.is_file()),
        }


def _grades(session) -> dict[int, dict[str, int]]:
    query = sa.select(m.Assessment.year, m.AssessmentResult.grade)
    rows = session.execute(query.join(m.Assessment, m.Assessment.id == m.AssessmentResult.assessment_id)).all()
    return {year: dict(Counter(g for y, g in rows if y == year)) for year in sorted({y for y, _ in rows})}


def test_demo_simulates_the_whole_campaign_exactly_and_a_replay_changes_nothing(prefect_harness, tmp_path, monkeypatch):
    """`campaign demo` (one whole-campaign run serves both the must-show and the demo test: ~2 min each)."""
    from typer.testing import CliRunner

    from campaign.cli.app import app
    from flows.simulate import campaign_simulation

    monkeypatch.delenv("CAMPAIGN_DATABASE_URL", raising=False)
    home = tmp_path / "demo"
    monkeypatch.setenv("CAMPAIGN_HOME", str(home))  # the demo sets it for its process; undo that after the test
    home.mkdir()
    (home / ".campaign-demo").write_text("")
    (home / "stale.txt").write_text("from an earlier demo")  # a demo home is rebuilt, not piled up
    result = CliRunner().invoke(app, ["demo", "--home", str(home), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    assert not (home / "stale.txt").exists()

    config = load_config()
    # Seed 1 gives 5 punctual, 2 late, 1 careless and 1 absent enterprise.
    assert Counter(assign_profiles([e.code for e in config.enterprises], SEED).values()) == {
        "punctual": 5,
        "late": 2,
        "careless": 1,
        "absent": 1,
    }
    actions = [a for a in plan_actions(config, SEED) if START <= a.day <= END]
    planned = outcome_counts(actions, config)
    first = _snapshot(home)

    # Files: 9 enterprises × 14 deliverables = 126 filings, − 1 never filed (the absent DDK005's 2023H1
    # progress) = 125 correct files (the 4 filed after 06-30 count now that the demo runs to the calendar's last
    # day, 2025-07-21), + 13 faulty first versions (too long, unquantified progress, forgotten actual, .doc) = 138.
    assert planned["files"] == 138 and "企业报送文件 138 份" in result.output
    # Notices: 9 enterprises × (deployment notice + 4 half-year openings + the 2024 filing notice + 3 window
    # openings: completion-2023, completion-2024, the two evaluation deliverables together) = 81, + 9: each
    # enterprise's 2024 list regenerated from its accepted 2023 完成情况 (all nine filed it before 2024-03-15).
    assert first["kinds"]["notice"] == 9 * 9 + 9
    # Receipts: every correct file is accepted and every faulty one rejected: the DB agrees with the plan.
    assert first["kinds"]["receipt"] == first["submissions"]["accepted"] == planned["accepted"] == 125
    assert first["kinds"]["rejection"] == first["submissions"]["rejected"] == planned["rejected"] == 13
    assert first["late"] == planned["late"] == 30
    # Reminders and SASAC digests follow the policy (T-7/T-3/T-1/T0, then every 3 working days, at most 5)
    # for whoever had not filed yet; exact for this seed, and every one delivered.
    assert first["kinds"]["reminder"] == 199
    # 24 overdue digests + 5 final-review messages to SASAC (one per version). A deliverable is listed in at most
    # 5 digests (reminders.escalation.digests_before_monthly), then only in the first digest of each month, and no
    # digest goes out when only such items remain (it was 59 digests when every item repeated every time).
    assert first["kinds"]["digest"] == 29
    assert sorted(n for n in first["outbox"] if n.startswith("final-review")) == [
        f"final-review_2025-07-{d}.json" for d in ("03", "04", "07", "08", "10")
    ]
    assert first["undelivered"] == 0
    # Both years scored and approved by the simulation's reviewer (approve_as), not left paused.
    assert first["assessments"] == [(2023, "final", "模拟审核"), (2024, "final", "模拟审核")]
    # The grades separate good from poor performance (they were 8 优秀 of 9 in both years): an enterprise
    # meeting fewer than half its quantified targets is not 优秀 (README, 计分规则).
    # (3/4/2 and 5/3/1 before the simulated figures were drawn from public statistics' ranges; 2023 was 4/3/2 with
    # the 创标 bonus and tier-based stretch targets, retired since 创标 names subsidiaries, not the enterprise.)
    assert first["grades"] == {2023: {"优秀": 3, "良好": 4, "合格": 2}, 2024: {"优秀": 5, "良好": 2, "合格": 2}}
    assert len(first["outbox"]) == sum(first["kinds"].values())
    assert first["inbox_left"] == []  # every file was processed
    # The final review ran on 2025-07-03 (the evaluation deliverables were due 06-30, + the first working day,
    # + 2 working days of grace), then a new dated version each day a late file arrived; every version is kept.
    reports = home / "reports/final-review"
    assert sorted(p.name for p in reports.iterdir() if p.is_dir()) == [
        "2025-07-03",
        "2025-07-04",
        "2025-07-07",
        "2025-07-08",
        "2025-07-10",
    ]
    assert sorted(p.suffix for p in reports.iterdir() if p.is_file()) == [".docx", ".html", ".xlsx"]
    first_version = (reports / "2025-07-03/价值创造行动总结评估报告.html").read_text(encoding="utf-8")
    assert "共3户企业缺报4份材料；缺报材料的企业不列为候选" in first_version
    assert "总结评估所用材料均已接收" in (reports / "价值创造行动总结评估报告.html").read_text(encoding="utf-8")

    # The terminal summary says the same, in Chinese, with the paths to open and the way to the UI.
    out = result.output
    assert "发出：通知 90 条，截止提醒 199 条" in out and "回执 125 条，退回通知 13 条" in out
    assert "接收 125 份（其中逾期 30 份），退回 13 份" in out and "2023 年度已定稿；2024 年度已定稿" in out
    assert str(reports / "价值创造行动总结评估报告.html") in out
    assert "prefect server start" in out and "http://127.0.0.1:4200" in out
    names = _flow_run_names()
    assert {
        "campaign-simulation",
        "deployment-phase",
        "half-year-collection",
        "next-year-cycle",
        "window-notices",
        "annual-assessment",
        "final-review",
    } <= set(names)

    # Every report, the outbox and the database agree: who filed what, when, which score (campaign check).
    checked = CliRunner().invoke(app, ["check", "--as-of", f"{END.isoformat()}T23:00"])
    assert checked.exit_code == 0, checked.output
    assert "0 处不一致" in checked.output

    again = campaign_simulation(START, END, SEED)
    # 153 active days (140 up to 2025-06-30, the rest while late files and the review's versions still came in)
    assert (again["ticked"], again["files"]) == (0, 0) and again["skipped"] == again["days"] == 153
    assert _snapshot(home) == first


def _flow_run_names() -> list[str]:
    import asyncio

    from prefect.client.orchestration import get_client

    async def read() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs()
            flows = {f.id: f.name for f in await client.read_flows()}
            return [flows[r.flow_id] for r in runs if r.state and r.state.is_completed()]

    return asyncio.run(read())


def test_simulate_command_with_synthetic_enterprises(prefect_harness, tmp_path, monkeypatch):
    """--enterprises N: a marked synthetic config dir, the same seed gives the same outbox keys in another home."""
    from typer.testing import CliRunner

    from campaign.cli.app import app

    monkeypatch.delenv("CAMPAIGN_DATABASE_URL", raising=False)
    monkeypatch.delenv("CAMPAIGN_CONFIG_DIR", raising=False)
    outboxes = []
    for name in ("a", "b"):
        home = tmp_path / name
        monkeypatch.setenv("CAMPAIGN_HOME", str(home))
        args = [
            "simulate",
            "--from",
            "2023-05-12",
            "--to",
            "2023-05-31",
            "--enterprises",
            "12",
            "--seed",
            "5",
            "--home",
            str(home),
        ]
        try:
            result = CliRunner().invoke(app, args)
        finally:
            os.environ.pop(
                "CAMPAIGN_CONFIG_DIR", None
            )  # the command sets it for its own process; not for the next test
        assert result.exit_code == 0, result.output
        assert "模拟企业 12 户" in result.output and "模拟完成" in result.output
        config_text = (home / "config-synthetic/enterprises.yaml").read_text(encoding="utf-8")
        assert config_text.startswith("# 模拟数据") and config_text.count("（模拟数据）") == 12
        outboxes.append(sorted(p.name for p in (home / "outbox").glob("*.json")))
    assert outboxes[0] == outboxes[1]
    assert sum(n.startswith("notice_deployment_SIM") for n in outboxes[0]) == 12
    assert any(n.startswith("receipt_SIM") for n in outboxes[0]) and any(
        n.startswith("reminder_SIM") for n in outboxes[0]
    )
