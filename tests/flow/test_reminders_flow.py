"""The `reminders` flow and `campaign remind` end to end (Prefect harness, real HTTP receiver)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import read_outbox
from tests.support.reminders import Receiver, database_text, notifications, write_apprise_config

pytestmark = pytest.mark.flow


def _task_runs_and_artifact(flow_run_id):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
    )

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return runs, artifacts


def test_reminders_flow_sends_once_records_artifact_and_keeps_token_secret(
    prefect_harness,
    initialized_home,
    tmp_path,
    monkeypatch,
    token,
    caplog,
):
    from flows.registry import flows

    caplog.set_level(logging.DEBUG)
    reminders = flows()["reminders"]
    with Receiver(token, fail=lambda n: n % 4 == 0) as receiver:
        config = write_apprise_config(tmp_path / "apprise.yaml", receiver.port, delivery={"circuit_after": 100})
        monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(config))
        state = reminders(as_of="2023-05-22", return_state=True)
        first = state.result()
        again = reminders(as_of="2023-05-22T10:00")
    assert (first["due"], first["sent"], first["failed"]) == (36, 36, 0)
    assert (again["due"], again["sent"], again["skipped_already_sent"]) == (0, 0, 36)
    assert len(receiver.delivered) == 36 and receiver.rejected > 0
    assert any(n.attempts == 2 and "503" in (n.last_error or "") for n in notifications())

    runs, artifacts = _task_runs_and_artifact(state.state_details.flow_run_id)
    assert sorted(r.name.rsplit("-", 1)[0] for r in runs) == [
        "audit",
        "notify-all",
        "plan-reminders",
        "prepare-database",
    ]
    table = next(a for a in artifacts if a.key == "reminders-run")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    data = json.dumps(rows, ensure_ascii=False)
    assert sum(r["本次发送"] for r in rows) == 36
    assert "本次发送" in data and "跳过：已报送" in data and "跳过：非工作日" in data
    assert token not in data and token not in (table.description or "")
    assert token not in database_text() and token not in caplog.text


def test_campaign_remind_runs_the_flow_and_reports_who_got_what(prefect_harness, initialized_home):
    from campaign.cli.app import app

    result = CliRunner().invoke(app, ["remind", "--as-of", "2023-05-25", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] is False and report["totals"]["sent"] == 37  # 36 overdue-1 + one SASAC digest
    recipients = {m["recipient"] for m in report["messages"]}
    assert recipients == {f"DDK00{i}" for i in range(1, 10)} | {"sasac"}
    digest = next(p for p in read_outbox(initialized_home) if p["key"] == "digest:overdue:2023-05-25")
    assert digest["to"] == ["sasac"] and "36项报送材料逾期未报" in digest["title"]


def test_dry_run_needs_no_prefect_and_writes_nothing(initialized_home):
    before = (len(notifications()), sorted(p.name for p in (initialized_home).rglob("*") if p.suffix != ".db-shm"))
    code = (
        "import sys, json\n"
        "from typer.testing import CliRunner\n"
        "from campaign.cli.app import app\n"
        "r = CliRunner().invoke(app, ['remind', '--as-of', '2023-05-15', '--dry-run', '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert not any(m == 'prefect' or m.startswith('prefect.') for m in sys.modules), 'prefect imported'\n"
        "print(r.output)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env())
    report = json.loads(out.stdout)
    assert report["dry_run"] is True and len(report["messages"]) == 36
    assert {m["status"] for m in report["messages"]} == {"would_send"}
    assert report["messages"][0]["key"].endswith(":T-7")
    assert len(notifications()) == before[0] == 0
    assert not (initialized_home / "outbox").exists()


def _env():
    import os

    return dict(os.environ)


def test_undelivered_reminders_fail_the_run_visibly_and_are_retried_next_run(
    prefect_harness,
    initialized_home,
    tmp_path,
    monkeypatch,
    token,
    caplog,
):
    from campaign.cli.app import app
    from campaign.errors import DeliveryFailed
    from flows.registry import flows

    caplog.set_level(logging.DEBUG)
    with Receiver(token, fail=lambda n: False) as receiver:
        dead = "json://127.0.0.1:9/hook/${REMINDER_TEST_TOKEN}"
        config = write_apprise_config(tmp_path / "apprise.yaml", receiver.port, extra={"DDK007": [dead]})
        monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(config))
        result = CliRunner().invoke(app, ["remind", "--as-of", "2023-05-19", "--json"])
        assert result.exit_code == 1, result.output
        report = json.loads(result.stdout)
        failed = [m for m in report["messages"] if m["status"] == "failed"]
        assert {m["recipient"] for m in failed} == {"DDK007"} and len(failed) == 4
        assert all(m["error"] for m in failed)  # redacted reason, e.g. a connection error or a paused channel
        assert report["totals"]["failed"] == 4 and report["totals"]["sent"] == 32
        assert token not in result.output and token not in caplog.text and token not in database_text()
        # Direct flow call: the run fails with a Chinese message that names the keys, not the URL.
        with pytest.raises(DeliveryFailed, match="条提醒发送失败") as info:
            flows()["reminders"](as_of="2023-05-19T11:00")
        assert info.value.summary["failed"] == 4 and info.value.summary["sent"] == 0
        # Channel fixed: the next run delivers the pending ones, once.
        write_apprise_config(tmp_path / "apprise.yaml", receiver.port)
        fixed = flows()["reminders"](as_of="2023-05-19T15:00")
    assert fixed["sent"] == 4 and fixed["failed"] == 0
    rows = [n for n in notifications() if ":DDK007:" in n.key]
    assert all(n.status == "sent" and n.last_error for n in rows)
    # 2 attempts per run for 3 messages, then the channel is paused for the run (circuit), twice; +1 when fixed.
    assert sorted(n.attempts for n in rows) == [1, 5, 5, 5]
    assert len(receiver.delivered) == 36 and len({p["title"] for p in receiver.delivered}) == 36
