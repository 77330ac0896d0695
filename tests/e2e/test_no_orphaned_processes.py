"""No process outlives the command that started it (issue 15: a SIGKILLed command left Prefect's
ephemeral server running in 28 of 31 trials).

A command with no `campaign serve` to use starts a Prefect server of its own; it is SIGKILLed here
right after it spawns that server, and again while its flow run waits paused; `campaign serve` is
SIGKILLed once it is ready. Each time, every process it had started must be gone within seconds.
Real processes, real servers, psutil to look: nothing here is simulated.
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import httpx
import pytest

from campaign.runtime.stack import free_port
from tests.support.processes import descendants, start_campaign, survivors, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]


def _paused_run_on_own_server(pid: int) -> bool:
    for cmd in descendants(pid).values():
        port = re.search(r"uvicorn .*--port (\d+)", cmd)
        if port:
            try:
                runs = httpx.post(f"http://127.0.0.1:{port.group(1)}/api/flow_runs/filter", json={}, timeout=2).json()
            except httpx.HTTPError:
                return False
            return any(r["state"]["type"] == "PAUSED" for r in runs)
    return False


def _kill_command_once(trial: str, ready, env: dict[str, str], log: Path) -> None:
    command = start_campaign(["assess", "2023", "--as-of", "2024-02-05"], env, log)
    try:
        wait_for(lambda: ready(command.pid) or command.poll() is not None, 180, f"{trial}: the command", log)
        assert command.poll() is None, f"{trial}: the command ended by itself:\n" + log.read_text(encoding="utf-8")
        started = descendants(command.pid)
        assert started, f"{trial}: the command started no process"
        command.send_signal(signal.SIGKILL)
        command.wait(10)
    finally:
        if command.poll() is None:
            command.kill()
    assert not survivors(started), f"{trial}: left behind by the killed command: {started}"


def test_a_sigkilled_command_leaves_no_prefect_server_behind(initialized_home, tmp_path):
    base = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # no server to reuse
    for trial, ready in (
        ("just-spawned", lambda pid: bool(descendants(pid))),  # the server child exists, maybe not yet exec'd
        ("paused-mid-run", _paused_run_on_own_server),  # scored, waiting for SASAC's review
    ):
        env = {**base, "PREFECT_HOME": str(tmp_path / f"prefect-{trial}")}
        _kill_command_once(trial, ready, env, tmp_path / f"{trial}.log")


def test_a_sigkilled_campaign_serve_takes_its_server_and_worker_with_it(tmp_path):
    """(Its Ctrl-C stop is checked at the end of test_assessment_review_in_prefect_ui.py, its SIGTERM stop
    at the end of test_prefect_server_e2e.py.)"""
    from campaign.runtime.environment import running_server

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["CAMPAIGN_HOME"] = str(tmp_path / "home")
    log = tmp_path / "serve.log"
    args = ["serve", "--port", str(free_port()), "--workers", "1", "--no-deploy", "--web-port", "0"]
    serve = start_campaign([*args, "--prefect-home", str(tmp_path / "prefect")], env, log)
    try:
        wait_for(lambda: "已就绪" in log.read_text(encoding="utf-8") or serve.poll() is not None, 240, "serve", log)
        assert serve.poll() is None, "campaign serve exited:\n" + log.read_text(encoding="utf-8")
        started = descendants(serve.pid)
        assert any("server start" in c for c in started.values()), started
        assert any("worker start" in c for c in started.values()), started
        serve.send_signal(signal.SIGKILL)
        serve.wait(10)
    finally:
        if serve.poll() is None:
            serve.kill()
    assert not survivors(started), f"left behind by the killed campaign serve: {started}"
    # Its record stays, naming a dead server: the next command does not use it.
    assert json.loads((tmp_path / "home/prefect/server.json").read_text(encoding="utf-8"))["api_url"]
    assert running_server(tmp_path / "home") is None
