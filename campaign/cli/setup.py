"""`campaign init`, `campaign enterprises`, `campaign deliverables`: the database and the configuration."""

from __future__ import annotations

from typing import Any

from campaign.cli.common import JsonOut, console, print_json


def init() -> None:
    """初始化：迁移数据库到最新结构并载入 config/ 中的配置。可重复执行，不会重复或丢失数据。"""
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.migrate import init_database
    from campaign.db.session import safe_url
    from notifications.channels import check_recipients, load_channels

    report = init_database()
    path = get_settings().apprise_config_path
    check_recipients(load_channels(path), load_config(), path.name)
    console.print(
        f"数据库已就绪（{safe_url(get_settings().sqlalchemy_url)}）："
        f"企业 {report.enterprises} 户（新增 {report.enterprises_added}），"
        f"报送材料 {report.deliverables} 项（新增 {report.deliverables_added}）。"
    )


def enterprises(as_json: JsonOut = False) -> None:
    """列出区属国有企业：代码、名称、功能分类、联系人（创标企业是各企业列明的子企业，见 campaign status）。"""
    from campaign.config.model import load_config

    config = load_config()
    if as_json:
        print_json([e.model_dump(mode="json") for e in config.enterprises])
        return
    from rich.table import Table

    table = Table(title="区属国有企业")
    for col in ("代码", "名称", "功能分类", "联系人"):
        table.add_column(col)
    for e in config.enterprises:
        contact = "；".join(f"{c.name} {c.phone}".strip() for c in e.contacts)
        table.add_row(e.code, e.name, e.category.value, contact)
    console.print(table)


def deliverables(as_json: JsonOut = False) -> None:
    """列出全部报送材料：编号、名称、阶段、截止日期、字数上限。"""
    from campaign.config.model import load_config

    config = load_config()
    rows: list[dict[str, Any]] = [
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
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="报送材料")
    for col in ("编号", "名称", "阶段", "截止日期", "字数上限", "格式"):
        table.add_column(col)
    for r in rows:
        limit = str(r["char_limit"] or "—")
        table.add_row(
            str(r["id"]), str(r["title"]), str(r["phase_name"]), str(r["due"]), limit, "/".join(r["file_kinds"])
        )
    console.print(table)
