"""`campaign serve` / `campaign worker` failure paths that need no running server (the e2e test covers the rest)."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from campaign.cli.app import app
from campaign.errors import StackError
from campaign.runtime.stack import LocalStack, StackOptions, stack_environment


def test_serve_refuses_a_port_in_use_and_says_what_to_do(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        stack = LocalStack(StackOptions(port=port, prefect_home=tmp_path / "p", campaign_home=tmp_path / "h"))
        with pytest.raises(StackError, match=f"端口 127.0.0.1:{port} 已被占用.*--port"):
            stack.start(say=lambda _: None)
    assert stack.server is None and not stack.workers, "nothing may be started when the port is taken"


def test_the_stack_environment_points_everything_at_one_server_and_this_checkout(tmp_path):
    from campaign.config.settings import REPO_ROOT

    env = stack_environment(
        StackOptions(port=4301, prefect_home=tmp_path / "p", campaign_home=tmp_path / "h"),
        base={"PREFECT_API_URL": "http://elsewhere/api", "KEEP": "1"},
    )
    assert env["PREFECT_API_URL"] == "http://127.0.0.1:4301/api"
    assert env["PREFECT_HOME"] == str((tmp_path / "p").resolve())
    assert env["CAMPAIGN_REPO"] == str(REPO_ROOT)  # prefect.yaml's pull step
    assert env["KEEP"] == "1"


def test_worker_without_a_server_address_explains_itself(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "未设置 PREFECT_API_URL" in result.output
