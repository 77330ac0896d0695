"""The production path, for real: `campaign serve` starts a Prefect server on PostgreSQL, deploys from
prefect.yaml and starts a process worker; the deployment phase is triggered through the Prefect CLI
with as_of=2023-05-12; the outbox and the campaign database (PostgreSQL too) are checked; the Prefect
UI is opened in headless Chromium and must show the flow run and its artifact; the stack then stops
on SIGTERM without leaving a process behind.

Needs PostgreSQL on 127.0.0.1:5432 and Debian's chromium at /usr/bin/chromium: fails, never skips.
Screenshots land in test-artifacts/ (gitignored).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil
import pytest
import sqlalchemy as sa

from campaign.config.settings import REPO_ROOT
from campaign.runtime.stack import free_port
from tests.conftest import POSTGRES_ADMIN_URL

CHROMIUM = Path(os.environ.get("CAMPAIGN_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
READY = "已就绪"

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.timeout(300)]


@pytest.fixture
def fresh_databases():
    """Two fresh PostgreSQL databases: one for the Prefect server, one for the campaign."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    names = [f"campaign_e2e_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("prefect", "app")]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is required for the end-to-end test but is not reachable at {POSTGRES_ADMIN_URL}: {exc}"
        )
    base = sa.engine.make_url(POSTGRES_ADMIN_URL)
    urls = {
        "prefect": base.set(drivername="postgresql+asyncpg", database=names[0]).render_as_string(hide_password=False),
        "app": base.set(drivername="postgresql+psycopg", database=names[1]).render_as_string(hide_password=False),
    }
    yield urls
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _wait_for(predicate, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    tail = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")


def test_deployment_phase_through_server_worker_postgres_and_ui(tmp_path, fresh_databases):
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required for the UI check but {CHROMIUM} is missing: apt-get install -y chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    home, prefect_home, log = tmp_path / "home", tmp_path / "prefect", tmp_path / "serve.log"
    port = free_port()
    api, ui = f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CAMPAIGN_HOME": str(home),
        "CAMPAIGN_DATABASE_URL": fresh_databases["app"],
        "PREFECT_API_DATABASE_CONNECTION_URL": fresh_databases["prefect"],
        "PREFECT_HOME": str(prefect_home),
    }
    env.pop("PREFECT_API_URL", None)

    # 1. The one-command local stack, exactly as the README runs it.
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "campaign.cli.app",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--prefect-home",
            str(prefect_home),
        ],
        env=env,
        cwd=REPO_ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack_pids: set[int] = set()
    try:
        _wait_for(
            lambda: READY in log.read_text(encoding="utf-8") or serve.poll() is not None,
            180,
            "campaign serve to report ready",
            log,
        )
        assert serve.poll() is None, "campaign serve exited:\n" + log.read_text(encoding="utf-8")
        assert f"Prefect 界面：{ui}" in log.read_text(encoding="utf-8")
        stack_pids = {p.pid for p in psutil.Process(serve.pid).children(recursive=True)}
        assert any("server" in " ".join(psutil.Process(p).cmdline()) for p in stack_pids)

        # 2. Trigger the deployment through the Prefect CLI, as an operator would.
        cli_env = {**env, "PREFECT_API_URL": api}
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "prefect",
                "deployment",
                "run",
                "deployment-phase/deployment-phase",
                "--param",
                "as_of=2023-05-12",
                "--watch",
                "--watch-timeout",
                "150",
            ],
            env=cli_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=200,
        )
        assert run.returncode == 0, run.stdout + run.stderr + log.read_text(encoding="utf-8")
        run_id = re.search(r"UUID: ([0-9a-f-]{36})", run.stdout).group(1)
        with httpx.Client(base_url=api, timeout=30) as client:
            flow_run = client.get(f"/flow_runs/{run_id}").json()
            artifacts = client.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}}).json()
        assert flow_run["state"]["type"] == "COMPLETED", flow_run["state"]
        assert flow_run["parameters"] == {"as_of": "2023-05-12"}
        (artifact,) = [a for a in artifacts if a["key"] == "deployment-phase-notices"]
        assert "| 本次发送 | 9 |" in artifact["data"]

        # 3. Side effects: nine notices in the outbox, dated the business day at 09:00 Beijing time...
        notices = sorted((home / "outbox").glob("notice_deployment_*.json"))
        assert len(notices) == 9
        assert {json.loads(p.read_text(encoding="utf-8"))["time"] for p in notices} == {"2023-05-12T09:00:00+08:00"}
        # ...and the campaign database on PostgreSQL says the same.
        app = sa.create_engine(fresh_databases["app"])
        with app.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT status, attempts, claimed_by FROM notification WHERE kind = 'notice'")
            ).all()
            audit = conn.execute(sa.text("SELECT count(*) FROM audit_event WHERE action = 'notice.issued'")).scalar()
            enterprises = conn.execute(sa.text("SELECT count(*) FROM enterprise")).scalar()
        app.dispose()
        assert len(rows) == 9 and {(s, a) for s, a, _ in rows} == {("sent", 1)}
        assert all(who for _, _, who in rows)
        assert audit == 1 and enterprises == 9

        # 4. The Prefect UI in a real browser shows the run and its artifact.
        _check_ui(ui, run_id, flow_run["name"])
    finally:
        # 5. SIGTERM stops everything: serve exits cleanly, no child or grandchild outlives it.
        if serve.poll() is None:
            stack_pids |= {p.pid for p in psutil.Process(serve.pid).children(recursive=True)}
            serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            pytest.fail("campaign serve did not stop within 90 s of SIGTERM")
        survivors = [pid for pid in stack_pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
        for pid in survivors:
            psutil.Process(pid).kill()
    assert serve.returncode == 0, log.read_text(encoding="utf-8")
    assert not survivors, f"processes left behind after stop: {survivors}"
    assert "已全部停止" in log.read_text(encoding="utf-8")


def _check_ui(ui: str, run_id: str, run_name: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{ui}/runs/flow-run/{run_id}")
            expect(page.get_by_text(run_name).first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Completed").first).to_be_visible()
            expect(page.get_by_text("deployment-phase").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "e2e-flow-run.png"))

            page.get_by_text("Artifacts", exact=True).click()
            card = page.get_by_text("deployment-phase-notices").last
            expect(card).to_be_visible(timeout=30_000)
            expect(page.get_by_text("研究部署阶段通知发送情况").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "e2e-flow-run-artifacts.png"))

            card.click()  # the artifact page renders the markdown report itself
            expect(page.get_by_text("本次发送").first).to_be_visible(timeout=30_000)
            expect(page.get_by_role("cell", name="DDK001").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "e2e-artifact.png"), full_page=True)
        finally:
            browser.close()
