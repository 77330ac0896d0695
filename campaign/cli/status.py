"""`campaign status`: who has filed what, as of a moment."""

from __future__ import annotations

from typing import Annotated

import typer

from campaign.cli.common import AsOf, JsonOut, console, parse_as_of, print_json


def status(
    as_of: AsOf = None,
    as_json: JsonOut = False,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="只看某户企业（企业代码）。")] = None,
) -> None:
    """各企业各项材料的报送状态：未报送 / 已接收 / 逾期接收 / 已退回（截止日已过仍未接收的标为逾期）。"""
    from campaign.db.migrate import init_database
    from campaign.db.session import session_scope
    from campaign.submissions.status import campaign_status, status_counts

    moment = parse_as_of(as_of)
    init_database()
    with session_scope() as session:
        rows = campaign_status(session, moment)
    if enterprise:
        rows = [r for r in rows if r.enterprise == enterprise]
        if not rows:
            raise typer.BadParameter(f"没有企业代码为“{enterprise}”的记录", param_hint="--enterprise")
    if as_json:
        print_json({"as_of": moment.isoformat(), "counts": status_counts(rows), "items": [r.as_dict() for r in rows]})
        return
    if not rows:
        console.print(f"截至 {moment.date()}，尚无已下发的报送材料。")
        return
    from rich.table import Table

    table = Table(title=f"报送状态（截至 {moment.date()}）")
    for col in ("企业", "材料", "截止日期", "状态", "版本"):
        table.add_column(col)
    for r in rows:
        state = r.status_zh + ("（逾期）" if r.overdue else "")
        table.add_row(f"{r.enterprise} {r.enterprise_name}", r.deliverable_title, r.due, state, str(r.version or "—"))
    console.print(table)
