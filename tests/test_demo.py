"""`campaign demo`: a fresh home, one notice per sample enterprise, and a flow run Prefect knows about."""
from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from campaign.cli import app
from campaign.config import load_config
from tests.conftest import read_outbox


def _flow_run_names() -> list[str]:
    from prefect.client.orchestration import get_client

    async def read() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs()
            flows = {f.id: f.name for f in await client.read_flows()}
            return [flows[r.flow_id] for r in runs if r.state and r.state.is_completed()]

    return asyncio.run(read())


def test_demo_issues_one_notice_per_sample_enterprise(prefect_harness, tmp_path, monkeypatch):
    monkeypatch.delenv("CAMPAIGN_DATABASE_URL", raising=False)
    home = tmp_path / "demo"
    monkeypatch.setenv("CAMPAIGN_HOME", str(home))  # the demo sets it for its process; undo that after the test
    runner = CliRunner()
    for _ in range(2):  # the second demo rebuilds its own home instead of piling up
        result = runner.invoke(app, ["demo", "--home", str(home)])
        assert result.exit_code == 0, result.output
    assert "已向 9 户示例企业印发通知：本次发送 9 条，失败 0 条。" in result.output
    assert "prefect server start" in result.output
    outbox = read_outbox(home)
    assert sorted(m["to"][0] for m in outbox) == sorted(e.code for e in load_config().enterprises)
    assert "deployment-phase" in _flow_run_names()


def test_demo_refuses_to_wipe_a_directory_it_did_not_create(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "campaign.db").write_text("real data")
    result = CliRunner().invoke(app, ["demo", "--home", str(precious)])
    assert result.exit_code == 2
    assert (precious / "campaign.db").read_text() == "real data"
