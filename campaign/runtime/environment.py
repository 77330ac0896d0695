"""Process-level setup for running flows from the CLI: Prefect environment defaults, quiet console, and
which Prefect server the command talks to.

A command uses, in this order: PREFECT_API_URL when set; the server `campaign serve` runs for this
CAMPAIGN_HOME (its record, `server_record`); else a server of its own (`start_command_server`) that
lives exactly as long as the command, SIGKILL included. Prefect's own ephemeral server would do the
same job but, started as a plain child, outlives a killed command (issue 15: 28 of 31 trials).
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def server_record(campaign_home: Path) -> Path:
    """Where `campaign serve` notes its Prefect server (API URL and pid) while it runs."""
    return campaign_home / "prefect" / "server.json"


def running_server(campaign_home: Path) -> str | None:
    """The API URL of the Prefect server `campaign serve` runs for this CAMPAIGN_HOME, if it answers now."""
    try:
        record = json.loads(server_record(campaign_home).read_text(encoding="utf-8"))
        api_url = str(record["api_url"])
        os.kill(int(record["pid"]), 0)  # the server process still exists
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return api_url if json.loads(resp.read() or b"false") is True else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prepare_prefect_environment(verbose: bool = False) -> None:
    """Call before importing prefect, right before running a flow. Defaults only: anything the user set
    wins. Starts this command's own Prefect server when there is none to use (see the module docstring)."""
    # A government network is usually closed; telemetry would only print connection errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        # Run logs still reach the Prefect API (the UI shows them); the terminal stays readable.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL", "WARNING")
    # `campaign serve` running for this CAMPAIGN_HOME: use its server rather than start an ephemeral one
    # per command (~10-20 s each here), and the runs show in the same UI.
    if "PREFECT_API_URL" not in os.environ:
        from campaign.config.settings import get_settings

        api_url = running_server(get_settings().home_dir)
        if api_url:
            os.environ["PREFECT_API_URL"] = api_url
    # The ephemeral server needs ~10-20 s on a 2-core machine; Prefect's default 20 s is too tight.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    home = os.environ.get("PREFECT_HOME")
    if home:
        # Prefect creates only the last path component and then fails to open its database.
        Path(home).expanduser().mkdir(parents=True, exist_ok=True)
    # Once prefect is imported its settings are fixed (in tests: the harness's server), so a server
    # started now would go unused; and PREFECT_SERVER_ALLOW_EPHEMERAL_MODE=false means "no local server".
    allowed = os.environ.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "true").lower() not in ("false", "0", "no")
    if "PREFECT_API_URL" not in os.environ and "prefect" not in sys.modules and allowed:
        os.environ["PREFECT_API_URL"] = start_command_server()


def start_command_server(host: str = "127.0.0.1") -> str:
    """Start the Prefect API (Prefect's ephemeral application: no UI, the same database under PREFECT_HOME)
    for this process only, and return its URL.

    It dies with this process however it ends: stopped at exit, and SIGKILLed by the kernel if this
    process is killed (`campaign.runtime.lifeline`). Call from the main thread: the kernel ties the
    guard to the thread that started the server.
    """
    from campaign.errors import StackError
    from campaign.runtime.lifeline import wrap
    from campaign.runtime.stack import free_port

    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
    # Prefect's own ephemeral server runs exactly this; the variables make create_app() skip the UI and
    # run only the services an ephemeral server runs.
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    for _ in range(3):  # another process may take the free port before uvicorn binds it
        port = free_port(host)
        server = subprocess.Popen(
            wrap(
                [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app"]
                + ["--host", host, "--port", str(port), "--log-level", "error", "--lifespan", "on"]
            ),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # the command's own output (--json) stays clean; errors go to stderr
        )
        atexit.register(_stop, server)
        api_url = f"http://{host}:{port}/api"
        deadline = time.monotonic() + timeout
        while server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
                    if json.loads(resp.read() or b"false") is True:
                        return api_url
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.2)
        if server.poll() is None:
            _stop(server)
            raise StackError(
                f"本地 Prefect 服务器在 {timeout:.0f} 秒内未就绪。"
                "可设置 PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS 延长等待，"
                "或先运行 campaign serve（此后的命令改用它的服务器）。"
            )
        if server.returncode != 3:  # uvicorn's exit code when the port is taken
            break
    raise StackError(
        f"本地 Prefect 服务器启动失败（退出码 {server.returncode}），错误信息见上方输出。"
        f"请检查 PREFECT_HOME（{os.environ.get('PREFECT_HOME', '~/.prefect')}）下的数据库是否可写。"
    )


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
