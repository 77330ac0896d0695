"""`campaign serve` (the whole local stack in one command) and `campaign worker` (one more worker,
possibly on another machine)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from campaign.cli.common import console, err


class _Stop(Exception):
    pass


def _raise_stop(signum, _frame):
    raise _Stop(signum)


def serve(
    port: Annotated[int, typer.Option("--port", help="Prefect 服务器端口。")] = 4200,
    host: Annotated[
        str, typer.Option("--host", help="Prefect 服务器监听地址；其他机器上的 worker 需要访问时改为 0.0.0.0。")
    ] = "127.0.0.1",
    workers: Annotated[int, typer.Option("--workers", min=0, help="在本机启动的进程型 worker 数。")] = 1,
    prefect_home: Annotated[
        Path | None,
        typer.Option("--prefect-home", help="Prefect 专用目录（默认 $CAMPAIGN_HOME/prefect，不使用用户主目录）。"),
    ] = None,
    deploy: Annotated[bool, typer.Option("--deploy/--no-deploy", help="启动后按 prefect.yaml 部署全部流程。")] = True,
    startup_timeout: Annotated[float, typer.Option("--startup-timeout", help="等待服务器就绪的秒数。")] = 180.0,
    web_port: Annotated[
        int, typer.Option("--web-port", help="企业网上报送系统端口（campaign web）；0 表示不启动。")
    ] = 8000,
) -> None:
    """启动本机运行环境：Prefect 服务器 + 工作池 campaign-pool + 按 prefect.yaml 部署 + N 个 worker + 企业网上报送系统。
    按 Ctrl-C 全部停止。

    服务器默认使用 SQLite；设置 PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://… 即改用 PostgreSQL。
    业务数据库仍由 CAMPAIGN_HOME / CAMPAIGN_DATABASE_URL 决定。
    """
    from campaign.config.settings import get_settings
    from campaign.errors import StackError
    from campaign.runtime.stack import LocalStack, StackOptions

    settings = get_settings()
    opts = StackOptions(
        host=host,
        port=port,
        workers=workers,
        prefect_home=(prefect_home or settings.home_dir / "prefect"),
        campaign_home=settings.home_dir,
        deploy=deploy,
        startup_timeout=startup_timeout,
        web_port=web_port,
    )
    stack = LocalStack(opts)
    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python then never raises
    # KeyboardInterrupt; an explicit handler makes `kill -INT` work however we were started.
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    code = 0
    try:
        stack.start(say=lambda text: console.print(text))
        ui_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        console.print(
            f"[bold green]已就绪。[/bold green] Prefect 界面：http://{ui_host}:{port} （流程运行、"
            "日志和产出物都在这里查看）"
        )
        console.print(f"日志目录：{stack.log_dir}；按 Ctrl-C 停止全部进程。", highlight=False)
        exited = stack.wait()
        err.print(f"[red]{exited} 意外退出，正在停止其余进程。请查看 {stack.log_dir / (exited + '.log')}。[/red]")
        code = 1
    except StackError as exc:
        err.print(f"[red]{exc}[/red]")
        code = 2
    except (KeyboardInterrupt, _Stop):
        console.print("正在停止（先停 worker，再停服务器）…")
    finally:
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code == 0:
        console.print("已全部停止。")
    raise typer.Exit(code)


def worker(
    pool: Annotated[str, typer.Option("--pool", help="工作池名称。")] = "campaign-pool",
    name: Annotated[str | None, typer.Option("--name", help="worker 名称（同一工作池内唯一）。")] = None,
) -> None:
    """在本机再启动一个 worker，连接 PREFECT_API_URL 指向的 Prefect 服务器（扩展部署时在其他机器上使用）。"""
    from campaign.config.settings import REPO_ROOT

    if not os.environ.get("PREFECT_API_URL"):
        err.print(
            "[red]未设置 PREFECT_API_URL。请设为 Prefect 服务器地址，例如 export PREFECT_API_URL=http://10.0.0.5:4200/api[/red]"
        )
        raise typer.Exit(2)
    # prefect.yaml's pull step runs the flows from this checkout.
    os.environ.setdefault("CAMPAIGN_REPO", str(REPO_ROOT))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    args = [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool] + (["--name", name] if name else [])
    os.execvpe(sys.executable, args, os.environ)
