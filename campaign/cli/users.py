"""`campaign users add|disable|reset-password|list`: SASAC staff accounts (查看 / 审核 / 管理)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from campaign.cli.common import JsonOut, console, print_json

users_app = typer.Typer(
    help="区国资委工作人员账号：角色为 查看（只读）、审核（审核文件和考核）、管理（账号、免报、重发）。",
    no_args_is_help=True,
)

By = Annotated[str, typer.Option("--by", help="经办人（记入审计）。")]
FromStdin = Annotated[
    bool, typer.Option("--password-stdin", help="从标准输入读取密码（供脚本使用），否则交互输入两次。")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("密码（至少 12 位）", hide_input=True, confirmation_prompt="再次输入密码"))


def _ready() -> datetime:
    """Migrate and load config like every command; accounts are stamped with the wall clock, not as-of time."""
    from campaign.db.claims import wall_clock
    from campaign.db.migrate import init_database

    init_database()
    return wall_clock()


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="用户名（小写字母开头，如 wangke）。")],
    role: Annotated[str, typer.Option("--role", help="角色：查看、审核 或 管理。")],
    by: By,
    name: Annotated[str, typer.Option("--name", help="姓名（显示在页面和审计中）。")] = "",
    password_stdin: FromStdin = False,
) -> None:
    """新增工作人员账号。密码只以 argon2 散列保存。"""
    from campaign.db.session import session_scope
    from campaign.staff.store import add_user

    at = _ready()
    password = _password(password_stdin)
    with session_scope() as session:
        account = add_user(session, username, name, role, password, by, at)
    console.print(f"已新增账号 {account.username}（{account.display_name}，角色：{account.role}）。")


@users_app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="用户名。")], by: By) -> None:
    """停用账号（保留记录，不能再登录）。"""
    from campaign.db.session import session_scope
    from campaign.staff.store import disable_user

    at = _ready()
    with session_scope() as session:
        disable_user(session, username, by, at)
    console.print(f"已停用账号 {username}。")


@users_app.command("reset-password")
def reset(username: Annotated[str, typer.Argument(help="用户名。")], by: By, password_stdin: FromStdin = False) -> None:
    """重设密码。"""
    from campaign.db.session import session_scope
    from campaign.staff.store import reset_password

    at = _ready()
    password = _password(password_stdin)
    with session_scope() as session:
        reset_password(session, username, password, by, at)
    console.print(f"已重设账号 {username} 的密码。")


@users_app.command("list")
def list_(as_json: JsonOut = False) -> None:
    """列出全部工作人员账号（不显示密码）。"""
    from campaign.db.session import session_scope
    from campaign.staff.store import list_users

    _ready()
    with session_scope() as session:
        accounts = list_users(session)
    if as_json:
        print_json(accounts)
        return
    if not accounts:
        console.print("尚无工作人员账号。用 campaign users add 新增。")
        return
    for a in accounts:
        state = "启用" if a.active else "已停用"
        console.print(f"{a.username}　{a.display_name}　{a.role}　{state}　密码更新于 {a.password_changed_at:%Y-%m-%d}")
