"""`campaign status`: who has filed what, as of a moment."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from campaign.cli.common import AsOf, JsonOut, console, parse_as_of, print_json

if TYPE_CHECKING:
    from campaign.submissions.status import StatusRow


def status(
    as_of: AsOf = None,
    as_json: JsonOut = False,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="只看某户企业（企业代码）。")] = None,
    long: Annotated[bool, typer.Option("--long", help="逐项列出（每户企业每项材料一行），而不是矩阵。")] = False,
) -> None:
    """各企业各项材料的报送状态：未报送 / 已接收 / 逾期接收 / 已退回（截止日已过仍未接收的标为逾期）。

    默认显示矩阵（企业 × 材料简称，带图例和每项材料的合计）；--long 逐项列出；--json 供程序读取。
    """
    from campaign.db.migrate import init_database
    from campaign.db.session import session_scope
    from campaign.submissions.status import campaign_status, status_counts

    moment = parse_as_of(as_of)
    init_database()
    with session_scope() as session:
        rows = campaign_status(session, moment)
        units = chuangbiao(session, moment)
    if enterprise:
        rows = [r for r in rows if r.enterprise == enterprise]
        if not rows:
            raise typer.BadParameter(f"没有企业代码为“{enterprise}”的记录", param_hint="--enterprise")
        units = {code: found for code, found in units.items() if code == enterprise}
    if as_json:
        print_json(
            {
                "as_of": moment.isoformat(),
                "counts": status_counts(rows),
                "items": [r.as_dict() for r in rows],
                "chuangbiao": {code: {"source": title, "units": found} for code, (title, found) in units.items()},
            }
        )
        return
    if not rows:
        console.print(f"截至 {moment.date()}，尚无已下发的报送材料。")
        return
    if not long:
        _print_status_matrix(rows, moment)
        _print_units(rows, units)
        return
    from rich.table import Table

    table = Table(title=f"报送状态（截至 {moment.date()}）")
    for col in ("企业", "材料", "截止日期", "状态", "版本"):
        table.add_column(col)
    for r in rows:
        state = r.status_zh + ("（逾期）" if r.overdue else "")
        table.add_row(f"{r.enterprise} {r.enterprise_name}", r.deliverable_title, r.due, state, str(r.version or "—"))
    console.print(table)
    _print_units(rows, units)


def chuangbiao(session, moment: datetime) -> dict[str, tuple[str, list[dict]]]:
    from campaign.config.model import load_config
    from campaign.submissions.store import latest_filed

    return latest_filed(session, load_config(), "targets", "chuangbiao", moment)


def _print_units(rows: list[StatusRow], units: dict[str, tuple[str, list[dict]]]) -> None:
    """创标企业: the subsidiaries each enterprise cultivates as 标杆, from its latest accepted Attachment 1."""
    console.print("创标企业（各企业在目标任务“二、对标目标”中列明的重点培育为标杆的子企业）：")
    for code, name in dict.fromkeys((r.enterprise, r.enterprise_name) for r in rows):
        if code not in units:
            console.print(f"  · {code} {name}：尚无已接收的目标任务（附件1）")
            continue
        title, found = units[code]
        listed = "；".join(f"{u['name']}（{u['business_line']}，对标{u['benchmark']}）" for u in found)
        console.print(f"  · {code} {name}：{listed or '无（已说明原因）'}（{title}）", highlight=False)


MARK_STYLE = {
    "accepted": "green",
    "late": "yellow",
    "rejected": "magenta",
    "rejected_overdue": "bold red",
    "missing": "dim",
    "missing_overdue": "bold red",
    "waived": "cyan",
    "filed": "bold green",
}


def _print_status_matrix(rows: list[StatusRow], moment: datetime) -> None:
    from rich.table import Table

    from campaign.config.model import load_config
    from campaign.submissions.status import MARKS, mark_key, short_codes, status_matrix

    matrix = status_matrix(rows, short_codes(load_config().deliverables))
    table = Table(title=f"报送状态（截至 {moment.date()}）", show_footer=True)
    table.add_column("企业", footer="已接收\n逾期未交")
    for code, short, _, _ in matrix.columns:
        footer = f"{matrix.received[code]}/{len(matrix.enterprises)}\n{matrix.overdue[code] or '—'}"
        table.add_column(short, justify="center", footer=footer)
    for ent, name in matrix.enterprises:
        cells = []
        for code, *_ in matrix.columns:
            row = matrix.cells.get((ent, code))
            key = mark_key(row) if row else "missing"
            mark = MARKS[key][0] + (f"{row.version}" if row and row.version and row.version > 1 else "")
            cells.append(f"[{MARK_STYLE[key]}]{mark}[/]")
        table.add_row(f"{ent} {name.replace('（示例）', '')}", *cells)
    console.print(table)
    console.print(
        "图例："
        + "　".join(f"[{MARK_STYLE[k]}]{m}[/] {meaning}" for k, (m, meaning) in MARKS.items())
        + "；标记后的数字为版本号（第 2 版起）。"
    )
    console.print("材料：")
    for code, short, title, due in matrix.columns:
        console.print(f"  {short}　{title}（{code}，截止 {due}）")
    console.print("逐项明细：campaign status --long；程序读取：campaign status --json。")
