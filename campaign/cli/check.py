"""`campaign check`: do every report, the outbox and the database agree?"""

from __future__ import annotations

import typer

from campaign.cli.common import AsOf, JsonOut, console, parse_as_of, print_json


def check(as_of: AsOf = None, as_json: JsonOut = False) -> None:
    """核对：回执与退回通知、消息发件箱、半年汇总、考核挂钩表、总结评估汇总表与数据库是否一致，逐条列出不一致之处。

    全部一致时返回 0，有不一致时返回 1。请按最新的业务日期核对（报告是按其生成时的数据写的）。
    """
    from campaign.check.store import check_all
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.migrate import init_database
    from campaign.db.session import session_scope
    from notifications.outbox import outbox_file_name

    moment = parse_as_of(as_of)
    init_database()
    with session_scope() as session:
        found = check_all(session, load_config(), get_settings().home_dir, moment, outbox_file_name)
    if as_json:
        print_json({"as_of": moment.isoformat(), "disagreements": found})
    elif found:
        console.print(f"截至 {moment.date()}，发现 {len(found)} 处不一致：", style="red")
        for d in found:
            console.print("  " + d.line(), markup=False, highlight=False)
    else:
        console.print(f"截至 {moment.date()}，报告、消息发件箱与数据库一致（0 处不一致）。", style="green")
    if found:
        raise typer.Exit(1)
