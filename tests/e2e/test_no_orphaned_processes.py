"""No process outlives the command that started it (issue 15: a SIGKILLed command left Prefect's
ephemeral server running in 28 of 31 trials).

A command with no `campaign serve` to use starts a Prefect server of its own; it is SIGKILLed here
right after it spawns that server, and again while its flow run waits paused; `campaign serve` is
stopped with Ctrl-C (SIGINT) and, once more, SIGKILLed. Each time, every process it had started must
be gone within seconds. Real processes, real servers, psutil to look: nothing here is simulated.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from campaign.config.settings import REPO_ROOT
from campaign.runtime.stack import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]


def _descendants(pid: int) -> dict[int, str]:
    found = {}
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return found
    for child in children:
        try:
            found[child.pid] = " ".join(child.cmdline())
        except psutil.Error:
            pass
    return found


def _wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{log.read_text(encoding='utf-8')[-3000:]}")


def _survivors(started: dict[int, str], within: float = 15) -> dict[int, str]:
    """Those of `started` still alive after `within` seconds (a zombie is dead: only its exit status is left)."""

    def alive() -> dict[int, str]:
        left = {}
        for pid, cmd in started.items():
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    left[pid] = cmd
            except psutil.NoSuchProcess:
                pass
        return left

    deadline = time.monotonic() + within
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    left = alive()
    for pid in left:  # leave the machine clean even when the test fails
        psutil.Process(pid).kill()
    return left


def _campaign(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "campaign.cli.app", *args],
        env=env,
        cwd=REPO_ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # as from a terminal of its own: our signals reach only what we aim at
    )


def _paused_run_on_own_server(pid: int) -> bool:
    for cmd in _descendants(pid).values():
        port = re.search(r"uvicorn .*--port (\d+)", cmd)
        if port:
            try:
                runs = httpx.post(f"http://127.0.0.1:{port.group(1)}/api/flow_runs/filter", json={}, timeout=2).json()
            except httpx.HTTPError:
                return False
            return any(r["state"]["type"] == "PAUSED" for r in runs)
    return False


def _kill_command_once(trial: str, ready, env: dict[str, str], log: Path) -> None:
    command = _campaign(["assess", "2023", "--as-of", "2024-02-05"], env, log)
    try:
        _wait_for(lambda: ready(command.pid) or command.poll() is not None, 180, f"{trial}: the command", log)
        assert command.poll() is None, f"{trial}: the command ended by itself:\n" + log.read_text(encoding="utf-8")
        started = _descendants(command.pid)
        assert started, f"{trial}: the command started no process"
        command.send_signal(signal.SIGKILL)
        command.wait(10)
    finally:
        if command.poll() is None:
            command.kill()
    assert not _survivors(started), f"{trial}: left behind by the killed command: {started}"


def test_a_sigkilled_command_leaves_no_prefect_server_behind(initialized_home, tmp_path):
    base = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # no server to reuse
    for trial, ready in (
        ("just-spawned", lambda pid: bool(_descendants(pid))),  # the server child exists, maybe not yet exec'd
        ("paused-mid-run", _paused_run_on_own_server),  # scored, waiting for SASAC's review
    ):
        env = {**base, "PREFECT_HOME": str(tmp_path / f"prefect-{trial}")}
        _kill_command_once(trial, ready, env, tmp_path / f"{trial}.log")


def _stop_serve_once(trial: str, sig: int, env: dict[str, str], prefect_home: Path, log: Path) -> None:
    args = ["serve", "--port", str(free_port()), "--workers", "1", "--no-deploy", "--web-port", "0"]
    serve = _campaign([*args, "--prefect-home", str(prefect_home)], env, log)
    try:
        _wait_for(lambda: "已就绪" in log.read_text(encoding="utf-8") or serve.poll() is not None, 240, "serve", log)
        assert serve.poll() is None, "campaign serve exited:\n" + log.read_text(encoding="utf-8")
        started = _descendants(serve.pid)
        assert any("server start" in c for c in started.values()), started
        assert any("worker start" in c for c in started.values()), started
        serve.send_signal(sig)
        code = serve.wait(60)
    finally:
        if serve.poll() is None:
            serve.kill()
    assert not _survivors(started), f"{trial}: left behind by campaign serve: {started}"
    if sig == signal.SIGINT:
        assert code == 0 and "已全部停止" in log.read_text(encoding="utf-8")


def test_campaign_serve_leaves_nothing_behind_when_stopped_or_killed(tmp_path):
    from campaign.runtime.environment import running_server

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["CAMPAIGN_HOME"] = str(tmp_path / "home")
    # One Prefect home for both: the second start finds its database migrated (the slow part of a start).
    for trial, sig in (("ctrl-c", signal.SIGINT), ("kill", signal.SIGKILL)):
        _stop_serve_once(trial, sig, env, tmp_path / "prefect", tmp_path / f"serve-{trial}.log")
    # A killed serve leaves its record, naming a dead server: the next command does not use it.
    assert json.loads((tmp_path / "home/prefect/server.json").read_text(encoding="utf-8"))["api_url"]
    assert running_server(tmp_path / "home") is None
