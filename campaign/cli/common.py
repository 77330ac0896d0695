"""What every `campaign` command shares: options, as-of parsing, JSON output, consoles, running a flow.

Nothing here imports prefect, sqlalchemy or the domain at module level: `campaign --help` and the
commands that run no flow must start fast (see bench/cli_startup.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="业务日期 YYYY-MM-DD（或 YYYY-MM-DDTHH:MM，北京时间）；默认为当前时间。"),
]
JsonOut = Annotated[bool, typer.Option("--json", help="以 JSON 输出（便于其他系统读取）。")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="在终端显示 Prefect 运行日志和出错时的完整堆栈。")]


def parse_as_of(value: str | None) -> datetime:
    """The business moment a command acts as of; a bad date is a usage error naming --as-of."""
    from campaign.calendar.clock import resolve_as_of

    try:
        return resolve_as_of(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--as-of") from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


def run_flow(flow: str | Callable[..., Any], verbose: bool = False, **parameters: Any) -> Any:
    """Run a flow in this process (its run is recorded by the Prefect server the environment names).

    `flow` is a name from flows.registry (`campaign run NAME`) or "module:function"; prefect is
    imported only here, after the environment defaults are set.
    """
    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment(verbose)
    if callable(flow):
        return flow(**parameters)
    if ":" in flow:
        import importlib

        module, name = flow.split(":", 1)
        return getattr(importlib.import_module(module), name)(**parameters)
    from flows.registry import flows

    available = flows()
    if flow not in available:
        raise typer.BadParameter(f"没有名为“{flow}”的流程。可用：{', '.join(available)}", param_hint="FLOW")
    return available[flow](**parameters)


def report_failure(exc: BaseException, verbose: bool) -> int:
    """Words for a person, and the exit code: a CampaignError's own message; anything else one Chinese
    line and where the traceback was written (shown here too with --verbose)."""
    from campaign.errors import CampaignError

    if isinstance(exc, CampaignError):
        err.print(str(exc), style="red", markup=False, highlight=False)
        return exc.exit_code
    import traceback

    text = "".join(traceback.format_exception(exc))
    log = _failure_log(text)
    where = f"详细信息已写入 {log}" if log else "详细信息未能写入日志"
    err.print(
        f"运行出错（{type(exc).__name__}：{exc}）。{where}；加 --verbose 可在终端显示。",
        style="red",
        markup=False,
        highlight=False,
    )
    if verbose:
        err.print(text, markup=False, highlight=False)
    return 1


def _failure_log(text: str) -> str | None:
    from datetime import datetime as _dt
    from pathlib import Path

    from campaign.config.settings import get_settings

    try:
        path = Path(get_settings().home_dir) / "logs" / "campaign-cli.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {_dt.now().isoformat(timespec='seconds')} {' '.join(sys.argv)}\n{text}\n")
        return str(path)
    except Exception:  # noqa: BLE001 - an unwritable home must not hide the original failure
        return None
