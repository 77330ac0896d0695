"""Starting a Prefect deployment run from the console, and where its page is in the Prefect UI.

The console never runs a flow in its own process: it asks the Prefect server to start the same
deployment ops would start (prefect.yaml), so the run shows in the Prefect UI with its logs, and the
worker does the work. Without a reachable Prefect server the console says so in Chinese.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.errors import ActionRequired
from campaign.runtime.environment import running_server

# The console's buttons: what each starts (flow name/deployment name in prefect.yaml) and who may.
DEPLOYMENTS = {
    "half-year": ("half-year-collection/half-year-collection", "审核", "开启半年度进展报送窗口"),
    "assessment": ("annual-assessment/annual-assessment", "审核", "年度考核评分"),
    "final-review": ("final-review/final-review", "审核", "深化评估阶段总结评估"),
    "resend": ("resend-messages/resend-messages", "管理", "补发失败的消息"),
}


@dataclass(frozen=True)
class StartedRun:
    id: str
    name: str
    url: str  # the run's page in the Prefect UI


def api_url(home: Path, ask_prefect: bool = False) -> str | None:
    """The Prefect API the console talks to. With `ask_prefect` (imports Prefect: ~2 s once), Prefect's own
    settings (PREFECT_API_URL, the active profile), else the server `campaign serve` runs for this CAMPAIGN_HOME;
    without, the same from the environment only (for the links on every page)."""
    if ask_prefect:
        from prefect.settings import get_current_settings

        return get_current_settings().api.url or running_server(home)
    return os.environ.get("PREFECT_API_URL") or running_server(home)


def ui_url(home: Path, url: str | None = None) -> str | None:
    """The Prefect UI's address (the API URL without /api), or None when no server is known."""
    url = url or api_url(home)
    return url[: -len("/api")] if url and url.endswith("/api") else url


def flow_run_url(home: Path, flow_run_id: str, url: str | None = None) -> str | None:
    base = ui_url(home, url)
    return f"{base}/runs/flow-run/{flow_run_id}" if base else None


def start(home: Path, action: str, parameters: dict[str, Any], requested_by: str) -> StartedRun:
    """Create a run of the deployment behind `action`; it starts when a worker picks it up."""
    deployment, _, label = DEPLOYMENTS[action]
    url = api_url(home, ask_prefect=True)
    if url is None:
        raise ActionRequired(
            f"无法{label}：没有运行中的 Prefect 服务器。",
            "请运维人员先执行 campaign serve（或设置 PREFECT_API_URL），部署并启动工作进程后再试。",
        )
    import httpx
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    try:
        # Called from a worker thread (no event loop), so the sync form returns the FlowRun itself.
        with temporary_settings({PREFECT_API_URL: url}):
            run: FlowRun = run_deployment(  # type: ignore[assignment]
                deployment, parameters=parameters, timeout=0, tags=["console", f"by:{requested_by}"], as_subflow=False
            )
    except ObjectNotFound:
        raise ActionRequired(
            f"无法{label}：Prefect 服务器上没有部署 {deployment}。",
            "请运维人员在项目目录执行 prefect deploy --all，并启动工作进程。",
        ) from None
    except httpx.HTTPError as exc:
        raise ActionRequired(
            f"无法{label}：连接 Prefect 服务器（{url}）失败：{type(exc).__name__}。",
            "请运维人员检查 campaign serve 是否在运行。",
        ) from None
    return StartedRun(str(run.id), run.name, flow_run_url(home, str(run.id), url) or "")
