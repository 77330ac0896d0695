"""`campaign demo`: a fresh home, the sample district simulated over the whole campaign, a Chinese summary."""
from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from campaign.cli import app


def _flow_run_names() -> list[str]:
    from prefect.client.orchestration import get_client

    async def read() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs()
            flows = {f.id: f.name for f in await client.read_flows()}
            return [flows[r.flow_id] for r in runs if r.state and r.state.is_completed()]

    return asyncio.run(read())


def test_demo_replays_the_whole_campaign_in_a_rebuilt_home(prefect_harness, tmp_path, monkeypatch):
    monkeypatch.delenv("CAMPAIGN_DATABASE_URL", raising=False)
    home = tmp_path / "demo"
    monkeypatch.setenv("CAMPAIGN_HOME", str(home))  # the demo sets it for its process; undo that after the test
    home.mkdir()
    (home / ".campaign-demo").write_text("")
    (home / "stale.txt").write_text("from an earlier demo")  # a demo home is rebuilt, not piled up
    result = CliRunner().invoke(app, ["demo", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert not (home / "stale.txt").exists()
    out = result.output
    assert "发出：通知 54 条" in out and "回执 121 条，退回通知 13 条" in out
    assert "2023 年度已定稿；2024 年度已定稿" in out
    assert str(home / "reports/final-review") in out and "价值创造行动总结评估报告.html" in out
    assert "prefect server start" in out and "http://127.0.0.1:4200" in out
    names = _flow_run_names()
    assert {"campaign-simulation", "deployment-phase", "half-year-collection", "annual-assessment", "final-review"} <= set(names)


def test_demo_refuses_to_wipe_a_directory_it_did_not_create(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "campaign.db").write_text("real data")
    result = CliRunner().invoke(app, ["demo", "--home", str(precious)])
    assert result.exit_code == 2
    assert (precious / "campaign.db").read_text() == "real data"
