"""`campaign demo`: the whole-campaign run itself is tested in tests/test_simulation.py (one ~2-minute
simulation serves both the must-show counts and the demo's terminal summary)."""

from __future__ import annotations

from typer.testing import CliRunner

from campaign.cli.app import app


def test_demo_refuses_to_wipe_a_directory_it_did_not_create(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "campaign.db").write_text("real data")
    result = CliRunner().invoke(app, ["demo", "--home", str(precious)])
    assert result.exit_code == 2
    assert (precious / "campaign.db").read_text() == "real data"
