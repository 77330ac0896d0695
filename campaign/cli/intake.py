"""`campaign template` and `campaign submit`: templates out, submissions in (no Prefect needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from campaign.cli.common import console, err

if TYPE_CHECKING:
    from campaign.intake.core import Outcome
    from notifications.delivery import DeliveryReport

EXIT_REJECTED = 3


def template(
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业代码，如 DDK001。")],
    deliverable: Annotated[str, typer.Option("--deliverable", help="材料编号，如 task-list-2023、targets-2023。")],
    out: Annotated[Path, typer.Option("--out", help="输出目录。")] = Path("."),
) -> None:
    """生成某户企业某项材料的填报模板（附件2 目标任务清单 .xlsx；附件1 目标任务、部署推动情况报告 .docx）。"""
    from campaign.config.model import load_config
    from campaign.workbook import schema

    config = load_config()
    try:
        ent, dlv = config.enterprise(enterprise), config.deliverable(deliverable)
    except KeyError as exc:
        raise typer.BadParameter(exc.args[0]) from None
    if dlv.template == schema.TEMPLATE_ID and dlv.kind in ("completion", "completion_final"):
        path = _completion_template(config, ent, dlv, out)
    elif dlv.template == schema.TEMPLATE_ID:
        from campaign.workbook.generate import write_task_list

        path = write_task_list(config, ent, dlv, out)
    else:
        from campaign.documents.generate import BUILDERS, write_document  # python-docx only when a .docx is asked for

        if dlv.template not in BUILDERS:
            err.print(f"[red]“{dlv.title}”（{dlv.id}）没有可生成的统一模板。[/red]")
            raise typer.Exit(2)
        path = write_document(ent, dlv, out)
    console.print(f"已生成模板：{path}")


def _completion_template(config, ent, dlv, out: Path) -> Path:
    """完成情况: the enterprise's filed list of that year from the database, as the flows and the portal send it."""
    import tempfile

    from sqlalchemy import select

    from campaign.calendar.clock import resolve_as_of
    from campaign.db import models as m
    from campaign.db.migrate import init_database
    from campaign.db.session import session_scope
    from campaign.outgoing.store import template_file

    init_database()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as scratch, session_scope() as session:
        ent_id = session.scalars(select(m.Enterprise.id).where(m.Enterprise.code == ent.code)).one()
        made = template_file(session, config, Path(scratch), ent, dlv, ent_id, resolve_as_of(None))
        assert made is not None, "a completion deliverable has the Attachment 2 template"
        path = (Path(scratch) / "outgoing" / dlv.id / made.name).replace(out / made.name)
    if made.filed_version:
        console.print(f"按备案的目标任务清单（第{made.filed_version}版，{made.filed_rows} 项任务）预填。")
    else:
        console.print("该企业尚无已接收的目标任务清单：生成的是空白清单（完成情况须与备案清单逐项一致）。")
    return path


def submit(
    file: Annotated[Path, typer.Argument(help="收到的文件。", exists=True, dir_okay=False)],
    enterprise: Annotated[str, typer.Option("--enterprise", help="报送企业的代码。")],
    deliverable: Annotated[str, typer.Option("--deliverable", help="材料编号。")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="接收日期 YYYY-MM-DD（北京时间）；默认为当前时间。")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（问题代码稳定，便于其他系统读取）。")] = False,
) -> None:
    """登记一份收到的文件：校验、存档、登记版本并发送回执或退回通知。通过返回 0，退回返回 3。

    文件留在原处（只复制存档）；放入收件箱批量处理请用 `campaign run intake`。
    """
    from campaign.cli.common import parse_as_of
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.migrate import init_database
    from campaign.intake.core import process_file
    from notifications.channels import load_channels
    from notifications.delivery import notify_now

    moment = parse_as_of(as_of)
    init_database()
    config = load_config()
    channels = load_channels(get_settings().apprise_config_path)
    outcome = process_file(file, config, moment, channels, claim=(enterprise, deliverable), move=False)
    delivery = notify_now([], moment, channels, recorded_keys=[outcome.message_key] if outcome.message_key else [])
    if as_json:
        data = {k: v for k, v in outcome.as_dict().items() if k != "moved_to"}
        data["notification_failed"] = bool(delivery.failed)
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        _print(outcome, delivery)
    if not outcome.accepted:
        raise typer.Exit(EXIT_REJECTED)


def _print(outcome: Outcome, delivery: DeliveryReport) -> None:
    if outcome.accepted:
        timing = "按时" if outcome.on_time else "逾期"
        again = "（与已登记的文件相同，未新增版本）" if outcome.duplicate else ""
        items = f"，清单 {outcome.items} 项" if outcome.items else ""
        console.print(
            f"[green]已接收[/green]：{outcome.enterprise} {outcome.deliverable} 第{outcome.version}版，"
            f"{timing}{again}{items}。回执已发送。"
        )
    else:
        # An unidentified sender cannot be answered: the rejection went to SASAC staff (rejection:unknown:…).
        unknown = (outcome.message_key or "").startswith("rejection:unknown:")
        to = "区国资委（未能识别报送企业）" if unknown else "企业"
        console.print(f"[red]已退回[/red]：{outcome.name}，共 {len(outcome.problems)} 个问题（退回通知已发送给{to}）：")
        for i, p in enumerate(outcome.problems, start=1):
            console.print(f"  {i}. [{p['code']}] {p['message']}\n     修改方法：{p['hint']}")
    if delivery.failed:
        err.print("[yellow]通知发送失败，已记录为待发送；重新运行 campaign submit 或流程会补发。[/yellow]")
