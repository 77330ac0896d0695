"""What a person sees when a command fails: a CampaignError's Chinese message, or one Chinese line and
the log's path; a traceback only with --verbose."""

from __future__ import annotations

import os
import subprocess
import sys

from campaign.cli.common import report_failure
from campaign.errors import CampaignError, ConfigError, DeliveryFailed


def campaign(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "campaign.cli.app", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_every_purposeful_error_is_a_campaign_error():
    assert issubclass(ConfigError, CampaignError) and issubclass(DeliveryFailed, CampaignError)


def test_an_unreachable_database_is_named_in_chinese_without_a_traceback(tmp_path):
    done = campaign(
        "init",
        env={
            "CAMPAIGN_HOME": str(tmp_path),
            "CAMPAIGN_DATABASE_URL": "postgresql+psycopg://nobody:secret@127.0.0.1:9/nowhere",
        },
    )
    assert done.returncode == 2
    assert "无法打开业务数据库" in done.stderr and "CAMPAIGN_DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr and "secret" not in done.stderr


def test_a_broken_configuration_names_the_file(tmp_path):
    (tmp_path / "campaign.yaml").write_text("campaign: [unclosed\n", encoding="utf-8")
    done = campaign("deliverables", env={"CAMPAIGN_HOME": str(tmp_path / "h"), "CAMPAIGN_CONFIG_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "配置文件有误" in done.stderr and "campaign.yaml" in done.stderr and "Traceback" not in done.stderr


def test_an_unexpected_error_is_one_line_and_the_log_keeps_the_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAMPAIGN_HOME", str(tmp_path))
    try:
        raise RuntimeError("磁盘坏了")
    except RuntimeError as exc:
        code = report_failure(exc, verbose=False)
    err = capsys.readouterr().err
    assert code == 1
    assert "运行出错（RuntimeError：磁盘坏了）" in err and "--verbose" in err and "Traceback" not in err
    log = tmp_path / "logs" / "campaign-cli.log"
    assert str(log) in err.replace("\n", "")
    assert "Traceback" in log.read_text(encoding="utf-8")


def test_verbose_shows_the_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CAMPAIGN_HOME", str(tmp_path))
    try:
        raise RuntimeError("磁盘坏了")
    except RuntimeError as exc:
        report_failure(exc, verbose=True)
    assert "Traceback" in capsys.readouterr().err


def test_a_broken_channel_file_is_a_configuration_error_not_a_yaml_traceback(tmp_path):
    (tmp_path / "apprise.yaml").write_text("default: [outbox://\n", encoding="utf-8")
    done = campaign(
        "init", env={"CAMPAIGN_HOME": str(tmp_path / "h"), "CAMPAIGN_APPRISE_CONFIG": str(tmp_path / "apprise.yaml")}
    )
    assert done.returncode == 2
    assert "apprise.yaml 不是有效的 YAML" in done.stderr and "Traceback" not in done.stderr


def test_a_recipient_that_is_not_an_enterprise_is_refused_by_name(tmp_path):
    (tmp_path / "apprise.yaml").write_text(
        "default: [outbox://]\nrecipients: {DDK00l: [outbox://]}\n", encoding="utf-8"
    )
    done = campaign(
        "init", env={"CAMPAIGN_HOME": str(tmp_path / "h"), "CAMPAIGN_APPRISE_CONFIG": str(tmp_path / "apprise.yaml")}
    )
    assert done.returncode == 2
    assert "recipients.DDK00l：不是 enterprises.yaml 中的企业代码" in done.stderr


def test_submit_for_an_unknown_enterprise_says_the_rejection_went_to_sasac(initialized_home, tmp_path):
    from typer.testing import CliRunner

    from campaign.cli.app import app

    stray = tmp_path / "DDK999_task-list-2023.xlsx"
    stray.write_bytes(b"not a workbook")
    result = CliRunner().invoke(
        app, ["submit", str(stray), "--enterprise", "DDK999", "--deliverable", "task-list-2023"]
    )
    assert result.exit_code == 3
    assert "退回通知已发送给区国资委（未能识别报送企业）" in result.output and "已发送给企业" not in result.output
