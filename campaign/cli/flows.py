"""`campaign run FLOW`: run one flow in this process (its run shows in the Prefect UI)."""

from __future__ import annotations

from typing import Annotated

import typer

from campaign.cli.common import AsOf, Verbose, parse_as_of, print_json, run_flow


def run(
    flow: Annotated[str, typer.Argument(help="流程名，如 deployment-phase（研究部署阶段）。")],
    as_of: AsOf = None,
    verbose: Verbose = False,
) -> None:
    """在本机以 Prefect 运行一个流程（运行记录可在 Prefect UI 中查看）。"""
    print_json(run_flow(flow, verbose, as_of=parse_as_of(as_of)))
