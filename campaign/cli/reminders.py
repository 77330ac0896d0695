"""`campaign remind`: what reminders would be (--dry-run) or were sent today, and to whom."""

from __future__ import annotations

from typing import Annotated

import typer

from campaign.cli.common import console

SHOWN = 50  # a terminal lists this many messages; --json lists all


def _channels_of():
    """recipient -> Apprise schemas ("mailtos,wecombot"), never URLs; None when secrets are not set here."""
    from campaign.config.settings import get_settings
    from campaign.errors import ConfigError
    from notifications.channels import load_channels

    try:
        channels = load_channels(get_settings().apprise_config_path)
    except ConfigError:
        return lambda recipient: None
    return channels.schemas_for


def _database_ready() -> None:
    """The dry run reads the database as it is: it neither creates nor migrates it."""
    from sqlalchemy import inspect

    from campaign.config.settings import get_settings
    from campaign.db.session import get_engine

    settings = get_settings()
    if settings.sqlalchemy_url.startswith("sqlite") and not (settings.home_dir / "campaign.db").is_file():
        raise typer.BadParameter(
            f"数据库尚未初始化（{settings.home_dir}），请先运行 campaign init", param_hint="--dry-run"
        )
    if "notification" not in inspect(get_engine()).get_table_names():
        raise typer.BadParameter("数据库尚未初始化，请先运行 campaign init", param_hint="--dry-run")


def _run_reminders_flow(moment, verbose: bool) -> dict:
    """The flow fails (for the Prefect UI) when messages stay undelivered; the CLI still reports them."""
    from campaign.cli.common import run_flow
    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment(verbose)  # before the first import of prefect
    from campaign.errors import DeliveryFailed

    try:
        return run_flow("reminders", verbose, as_of=moment)
    except DeliveryFailed as exc:
        assert isinstance(exc.summary, dict), "the reminders flow attaches its summary"
        return exc.summary


def remind(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="业务日期 YYYY-MM-DD（或 YYYY-MM-DDTHH:MM，北京时间）；默认为当前时间。"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只列出将要发送的提醒，不发送、不写入任何记录，也不启动 Prefect。")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（便于其他系统读取）。")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="在终端显示 Prefect 运行日志。")] = False,
) -> None:
    """截止提醒：向尚未报送的企业发送当日应发的提醒，并向区国资委发送逾期汇总；--dry-run 只预览。"""
    from rich.table import Table

    from campaign.cli.common import parse_as_of, print_json
    from campaign.reminders.outputs import COLUMNS, run_table, totals

    moment = parse_as_of(as_of)
    if dry_run:
        from campaign.reminders.batch import planned_reminders

        _database_ready()
        planned = planned_reminders(moment)
        # Nothing is sent in a dry run: the "sent" column counts what would be sent.
        rows = run_table(planned.plan, [m.key for m in planned.messages], [])
        channel = _channels_of()
        items = [
            {
                "key": m.key,
                "recipient": m.recipient,
                "channel": channel(m.recipient),
                "title": m.title,
                "status": "would_send",
            }
            for m in planned.messages
        ]
        day, working = planned.plan.day, planned.plan.working_day
    else:
        result = _run_reminders_flow(moment, verbose)
        rows = result["table"]
        channel, to = _channels_of(), result["recipients"]
        items = [
            {"key": k, "recipient": to[k], "channel": channel(to[k]), "status": "sent"} for k in result["sent_keys"]
        ]
        items += [
            {"key": k, "recipient": to[k], "channel": channel(to[k]), "status": "failed", "error": e}
            for k, e in result["failed_keys"].items()
        ]
        day, working = result["day"], result["working_day"]
    if as_json:
        failed_any = any(i["status"] == "failed" for i in items)
        print_json(
            {
                "as_of": moment.isoformat(),
                "day": str(day),
                "working_day": working,
                "dry_run": dry_run,
                "totals": totals(rows),
                "table": rows,
                "messages": items,
            }
        )
        if failed_any:
            raise typer.Exit(1)
        return
    verb = "将发送" if dry_run else "已发送"
    going = len([i for i in items if i["status"] != "failed"])
    headline = f"截止提醒（{day}{'' if working else '，非工作日，不发送'}）：{verb} {going} 条"
    failed = [i for i in items if i["status"] == "failed"]
    console.print(headline + (f"，失败 {len(failed)} 条（已保留为待发送，下次运行重试）" if failed else "") + "。")
    table = Table(title="按材料统计" + ("（预览）" if dry_run else ""))
    for col in COLUMNS.values():
        table.add_column(col if not dry_run or col != COLUMNS["sent"] else "将发送")
    for row in rows:
        table.add_row(*(str(row[k]) for k in COLUMNS))
    console.print(table)
    for item in items[:SHOWN]:
        state = {"would_send": "将发送", "sent": "已发送", "failed": f"失败：{item.get('error', '')}"}[item["status"]]
        via = f"（{item['channel']}）" if item.get("channel") else ""
        console.print(f"  {item['recipient']}{via}  {item['key']}  {state}")
    if len(items) > SHOWN:
        console.print(f"  …… 另有 {len(items) - SHOWN} 条，使用 --json 查看全部。")
    if not dry_run and any(i["status"] == "failed" for i in items):
        raise typer.Exit(1)
