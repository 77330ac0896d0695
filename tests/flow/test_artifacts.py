"""Ops-facing visibility: artifact markdown (pure), actionable Chinese errors, and a flow that publishes both."""

from __future__ import annotations

import asyncio

import pytest

from campaign.errors import ActionRequired
from campaign.reports import markdown as md


def test_table_cells_cannot_break_the_table():
    text = md.table({"a": "企业", "b": "说明"}, [{"a": "DDK|001", "b": "第一行\n第二行"}, {"a": None}])
    lines = text.splitlines()
    assert lines[0] == "| 企业 | 说明 |"
    assert lines[2] == "| DDK\\|001 | 第一行<br>第二行 |"
    assert lines[3] == "| — | — |"


def test_summary_puts_counts_first_then_sections_and_links():
    text = md.summary(
        "收件情况",
        "2023-05-22",
        {"已接收": 7, "未报送": 2},
        sections=[("未报送企业", "DDK003、DDK009")],
        links={"报告": "file:///srv/r.xlsx"},
    )
    assert text.index("| 已接收 | 7 |") < text.index("### 未报送企业") < text.index("- [报告](file:///srv/r.xlsx)")
    assert "业务日期（as_of）：2023-05-22" in text


def test_action_required_says_what_to_do_and_caps_the_details():
    exc = ActionRequired("3 条通知发送失败：", "检查渠道配置后重新运行。", [f"k{i}: 超时" for i in range(25)])
    text = str(exc)
    assert text.startswith("3 条通知发送失败：") and text.endswith("处理办法：检查渠道配置后重新运行。")
    assert "  - k19: 超时" in text and "k20" not in text and "另有 5 条" in text


def test_artifact_keys_are_checked_before_prefect_sees_them():
    from tasks.artifacts import publish_summary

    with pytest.raises(ValueError, match="lowercase"):
        publish_summary("Bad Key", "t", "2023-05-12", {})


async def _artifacts(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


@pytest.mark.flow
def test_a_failed_delivery_fails_the_run_with_what_to_do_and_still_publishes_the_artifact(
    prefect_harness, initialized_home, tmp_path, monkeypatch
):
    from flows.deployment_phase import deployment_phase

    conf = tmp_path / "apprise.yaml"
    conf.write_text(
        "default:\n  - outbox://\nrecipients:\n  DDK002:\n    - nosuchscheme://token-abc\n", encoding="utf-8"
    )
    monkeypatch.setenv("CAMPAIGN_APPRISE_CONFIG", str(conf))
    with pytest.raises(ActionRequired) as failed:
        deployment_phase(as_of="2023-05-12")
    message = str(failed.value)
    assert message.startswith("1 条通知发送失败") and "处理办法：检查 config/apprise.yaml" in message
    assert "token-abc" not in message, "channel secrets must not reach the UI"

    latest = max(asyncio.run(_artifacts("deployment-phase-notices")), key=lambda a: a.created)
    assert "| 发送失败 | 1 |" in latest.data and "| 本次发送 | 8 |" in latest.data
    assert "业务日期（as_of）：2023-05-12" in latest.data

    # The fix the message asks for, then a rerun: the failed one goes out, nothing is sent twice.
    monkeypatch.delenv("CAMPAIGN_APPRISE_CONFIG")
    assert deployment_phase(as_of="2023-05-12")["sent"] == 1
    assert len(list((initialized_home / "outbox").glob("*.json"))) == 9
