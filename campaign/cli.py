"""`campaign`: the command line for SASAC staff (区国资委工作人员).

Every command reads the configuration in CAMPAIGN_CONFIG_DIR (default: the repository's config/)
and the database in CAMPAIGN_HOME (default ./var) or CAMPAIGN_DATABASE_URL.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from campaign.clock import resolve_as_of
from campaign.config import ConfigError, load_config

app = typer.Typer(
    help="区属国有企业对标世界一流企业价值创造行动 —— 编排与管理命令（区国资委使用）。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

AsOf = Annotated[
    Optional[str],
    typer.Option("--as-of", help="业务日期 YYYY-MM-DD（或 YYYY-MM-DDTHH:MM，北京时间）；默认为当前时间。"),
]
JsonOut = Annotated[bool, typer.Option("--json", help="以 JSON 输出（便于其他系统读取）。")]


def _as_of(value: str | None) -> datetime:
    try:
        return resolve_as_of(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--as-of") from None


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _init_database() -> dict:
    from campaign.db.migrate import upgrade_to_head
    from campaign.db.session import session_scope
    from campaign.db.sync import sync_config

    config = load_config()
    upgrade_to_head()
    with session_scope() as session:
        report = sync_config(session, config)
    return {"enterprises": len(config.enterprises), "deliverables": len(config.deliverables), **report.__dict__}


@app.command()
def init() -> None:
    """初始化：迁移数据库到最新结构并载入 config/ 中的配置。可重复执行，不会重复或丢失数据。"""
    from campaign.settings import get_settings

    result = _init_database()
    console.print(
        f"数据库已就绪（{_safe_url(get_settings().sqlalchemy_url)}）："
        f"企业 {result['enterprises']} 户（新增 {result['enterprises_added']}），"
        f"报送材料 {result['deliverables']} 项（新增 {result['deliverables_added']}）。"
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def enterprises(as_json: JsonOut = False) -> None:
    """列出区属国有企业：代码、名称、功能分类、创标/达标、联系人。"""
    config = load_config()
    rows = [e.model_dump(mode="json") for e in config.enterprises]
    if as_json:
        _print_json(rows)
        return
    table = Table(title="区属国有企业")
    for col in ("代码", "名称", "功能分类", "类型", "联系人"):
        table.add_column(col)
    for e in config.enterprises:
        contact = "；".join(f"{c.name} {c.phone}".strip() for c in e.contacts)
        table.add_row(e.code, e.name, e.category.value, e.tier.value, contact)
    console.print(table)


@app.command()
def deliverables(as_json: JsonOut = False) -> None:
    """列出全部报送材料：编号、名称、阶段、截止日期、字数上限。"""
    config = load_config()
    rows = [
        {
            "id": d.id,
            "title": d.title,
            "phase": d.phase,
            "phase_name": config.phase(d.phase).name,
            "opens_on": d.opens_on.isoformat(),
            "due": d.due.isoformat(),
            "char_limit": d.char_limit,
            "file_kinds": list(d.file_kinds),
        }
        for d in config.deliverables
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table(title="报送材料")
    for col in ("编号", "名称", "阶段", "截止日期", "字数上限", "格式"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["title"], r["phase_name"], r["due"], str(r["char_limit"] or "—"), "/".join(r["file_kinds"]))
    console.print(table)


def _run_flow_callable(flow_fn, verbose: bool = False, **parameters):
    from campaign.runtime import prepare_prefect_environment

    prepare_prefect_environment(verbose)
    return flow_fn(**parameters)


def _run_flow(name: str, as_of: datetime, verbose: bool = False):
    from campaign.runtime import prepare_prefect_environment

    prepare_prefect_environment(verbose)
    from flows.registry import flows

    available = flows()
    if name not in available:
        raise typer.BadParameter(f"没有名为“{name}”的流程。可用：{', '.join(available)}", param_hint="FLOW")
    return _run_flow_callable(available[name], verbose, as_of=as_of)


@app.command()
def run(
    flow: Annotated[str, typer.Argument(help="流程名，如 deployment-phase（研究部署阶段）。")],
    as_of: AsOf = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="在终端显示 Prefect 运行日志。")] = False,
) -> None:
    """在本机以 Prefect 运行一个流程（运行记录可在 Prefect UI 中查看）。"""
    result = _run_flow(flow, _as_of(as_of), verbose)
    _print_json(result)


@app.command()
def status(
    as_of: AsOf = None,
    as_json: JsonOut = False,
    enterprise: Annotated[Optional[str], typer.Option("--enterprise", help="只看某户企业（企业代码）。")] = None,
) -> None:
    """各企业各项材料的报送状态：未报送 / 已接收 / 逾期接收 / 已退回（截止日已过仍未接收的标为逾期）。"""
    from campaign.db.session import session_scope
    from campaign.status import campaign_status, status_counts

    moment = _as_of(as_of)
    _init_database()
    with session_scope() as session:
        rows = campaign_status(session, moment)
    if enterprise:
        rows = [r for r in rows if r.enterprise == enterprise]
        if not rows:
            raise typer.BadParameter(f"没有企业代码为“{enterprise}”的记录", param_hint="--enterprise")
    if as_json:
        _print_json({"as_of": moment.isoformat(), "counts": status_counts(rows), "items": [r.as_dict() for r in rows]})
        return
    if not rows:
        console.print(f"截至 {moment.date()}，尚无已下发的报送材料。")
        return
    table = Table(title=f"报送状态（截至 {moment.date()}）")
    for col in ("企业", "材料", "截止日期", "状态", "版本"):
        table.add_column(col)
    for r in rows:
        state = r.status_zh + ("（逾期）" if r.overdue else "")
        table.add_row(f"{r.enterprise} {r.enterprise_name}", r.deliverable_title, r.due, state, str(r.version or "—"))
    console.print(table)


# Commands of later phases live in their own modules; registering them here keeps one `campaign` app.
from campaign import cli_assessment, cli_intake, cli_reminders, cli_reports, cli_serve, cli_simulate  # noqa: E402
from campaign import cli_web  # noqa: E402

app.command()(cli_intake.template)
app.command()(cli_intake.submit)
app.command("half-year")(cli_reports.half_year)
app.command("next-year")(cli_reports.next_year)
app.command()(cli_assessment.assess)
app.command()(cli_assessment.resume)
app.command()(cli_reminders.remind)
app.add_typer(cli_assessment.scores_app, name="scores")
app.add_typer(cli_reports.report_app, name="report")
app.command()(cli_serve.serve)
app.command()(cli_serve.worker)
app.command()(cli_simulate.simulate)
app.command()(cli_simulate.demo)
app.command()(cli_web.web)
app.add_typer(cli_web.links_app, name="links")


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        sys.exit(2)


if __name__ == "__main__":
    main()
