"""`campaign waive`: excuse an enterprise from one deliverable (免报), or end that."""

from __future__ import annotations

from typing import Annotated

import typer

from campaign.cli.common import AsOf, console, parse_as_of


def waive(
    enterprise: Annotated[str, typer.Option("--enterprise", help="企业代码，如 DDK005。")],
    deliverable: Annotated[str, typer.Option("--deliverable", help="材料编号，如 progress-2023h1。")],
    by: Annotated[str, typer.Option("--by", help="经办人姓名（记入审计）。")],
    reason: Annotated[str, typer.Option("--reason", help="免报理由（必填，记入审计）。")] = "",
    revoke: Annotated[bool, typer.Option("--revoke", help="撤销免报：此后企业须照常报送。")] = False,
    as_of: AsOf = None,
) -> None:
    """免报：经区国资委同意，某户企业不报送某项材料。截止提醒、逾期汇总和报送完整率不再计入；企业网上报送页显示“已免报”。"""
    from campaign.db.migrate import init_database
    from campaign.db.session import session_scope
    from campaign.submissions.store import grant_waiver, revoke_waiver

    moment = parse_as_of(as_of)
    init_database()
    with session_scope() as session:
        if revoke:
            revoke_waiver(session, enterprise, deliverable, by, moment)
            console.print(f"已撤销 {enterprise} 的 {deliverable} 免报（{moment.date()} 起须照常报送）。")
            return
        _, new = grant_waiver(session, enterprise, deliverable, reason, by, moment)
    if new:
        console.print(f"已同意 {enterprise} 免报 {deliverable}（{moment.date()} 起），理由：{reason.strip()}。")
    else:
        console.print(f"{enterprise} 的 {deliverable} 此前已免报，未重复记录。")
