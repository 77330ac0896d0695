"""`campaign simulate` and `campaign demo`: replay the whole campaign with synthetic enterprises."""

from __future__ import annotations

import os
import random
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from campaign.cli.common import console, err

DEMO_MARKER = ".campaign-demo"
SYNTHETIC_CONFIG = "config-synthetic"


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"日期“{value}”格式无效，应为 YYYY-MM-DD", param_hint=name) from None


def write_synthetic_config(out_dir: Path, n: int, seed: int) -> Path:
    """config/ with N clearly-marked synthetic enterprises (SIM0001…), the real campaign calendar and channels."""
    import yaml

    from campaign.config.settings import REPO_ROOT

    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("campaign.yaml", "apprise.yaml"):
        shutil.copyfile(REPO_ROOT / "config" / name, out_dir / name)
    rng = random.Random(f"enterprises:{seed}")
    categories = ["商业一类", "商业二类", "公益类"]
    enterprises = [
        {
            "code": f"SIM{i:04d}",
            "name": f"模拟企业{i:04d}有限公司（模拟数据）",
            "category": rng.choice(categories),
            "sample": True,
            "contacts": [{"name": f"联系人{i:04d}", "role": "企业管理部", "phone": f"023-6000-{i % 10000:04d}"}],
        }
        for i in range(1, n + 1)
    ]
    header = f"# 模拟数据：campaign simulate --enterprises {n} --seed {seed} 生成的虚构企业，仅供演练，不是真实名录。\n"
    (out_dir / "enterprises.yaml").write_text(
        header + yaml.safe_dump({"enterprises": enterprises}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return out_dir


def run_simulation(start: date, end: date, seed: int, quiet: bool = False) -> dict:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment(False)
    from flows.simulate import campaign_simulation, listening, simulation_days

    days, _ = simulation_days(start, end, seed)
    columns = (
        TextColumn("[bold]模拟[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False, disable=quiet) as progress:
        task = progress.add_task("启动 Prefect 本地服务…", total=len(days))

        def on_day(day: date, text: str) -> None:
            progress.update(task, advance=1, description=f"{day} {text}")

        started = time.perf_counter()
        with listening(on_day):
            stats = campaign_simulation(start, end, seed)
    stats["elapsed"] = round(time.perf_counter() - started, 1)
    return stats


def summary(home: Path) -> dict:
    import sqlalchemy as sa

    from campaign.db import models as m
    from campaign.db.session import session_scope

    with session_scope() as session:
        kinds = dict(
            session.execute(sa.select(m.Notification.kind, sa.func.count()).group_by(m.Notification.kind)).all()
        )
        subs = dict(
            session.execute(sa.select(m.Submission.status, sa.func.count()).group_by(m.Submission.status)).all()
        )
        late = session.scalar(
            sa.select(sa.func.count())
            .select_from(m.Submission)
            .where(m.Submission.status == "accepted", m.Submission.on_time.is_(False))
        )
        assessed = session.execute(sa.select(m.Assessment.year, m.Assessment.status).order_by(m.Assessment.year)).all()
    reports = (
        sorted(p for p in (home / "reports").rglob("*") if p.suffix in (".html", ".xlsx", ".docx"))
        if (home / "reports").is_dir()
        else []
    )
    return {
        "notifications": kinds,
        "submissions": subs,
        "late": late or 0,
        "assessments": [tuple(a) for a in assessed],
        "reports": reports,
    }


def print_summary(home: Path, stats: dict) -> None:
    s = summary(home)
    n, subs = s["notifications"], s["submissions"]
    console.print()
    console.print(
        f"[bold]模拟完成[/bold]：运行 {stats['ticked']} 个业务日（跳过已运行 {stats['skipped']} 个），"
        f"企业报送文件 {stats['files']} 份，用时 {stats['elapsed']} 秒。"
    )
    console.print(
        f"  发出：通知 {n.get('notice', 0)} 条，截止提醒 {n.get('reminder', 0)} 条，"
        f"发给区国资委的逾期汇总及报告通知 {n.get('digest', 0)} 条；"
        f"回执 {n.get('receipt', 0)} 条，退回通知 {n.get('rejection', 0)} 条。"
    )
    console.print(
        f"  收到：接收 {subs.get('accepted', 0)} 份（其中逾期 {s['late']} 份），退回 {subs.get('rejected', 0)} 份。"
    )
    console.print(
        "  考核："
        + ("；".join(f"{y} 年度{'已定稿' if st == 'final' else st}" for y, st in s["assessments"]) or "尚未考核")
        + (f"；考核结果通知企业 {n['result']} 条" if n.get("result") else "")
    )
    final = [p for p in s["reports"] if p.parent.name == "final-review"]  # the current version; dated ones beside
    if final:
        console.print("  总结评估报告（最新一版，各版按日期保留在同目录的文件夹中）：")
        for p in final:
            console.print(f"    {p}")
    console.print(
        f"  全部报告 {len(s['reports'])} 份在 {home / 'reports'}；消息在 {home / 'outbox'}；"
        f"数据库 {home / 'campaign.db'}"
    )


def simulate(
    start: Annotated[str, typer.Option("--from", help="开始日期 YYYY-MM-DD。")] = "2023-05-12",
    end: Annotated[
        str | None, typer.Option("--to", help="结束日期 YYYY-MM-DD；不填则到行动日历的最后一天（最后一次逾期提醒）。")
    ] = None,
    enterprises: Annotated[
        int | None,
        typer.Option("--enterprises", min=1, max=5000, help="模拟企业户数；不填则使用 config/ 中的示例企业。"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="随机种子：相同种子得到相同结果。")] = 1,
    home: Annotated[Path | None, typer.Option("--home", help="数据目录（默认为 CAMPAIGN_HOME）。")] = None,
) -> None:
    """模拟整个行动：模拟企业按时、逾期、被退回后重报或不报，行动日历逐日运行真实流程；重复运行不会改变结果。"""
    first = _date(start, "--from")
    last = _date(end, "--to") if end else None
    if last is not None and last < first:
        raise typer.BadParameter("结束日期早于开始日期", param_hint="--to")
    if home is not None:
        os.environ["CAMPAIGN_HOME"] = str(home.expanduser().resolve())
    from campaign.config.settings import get_settings

    settings = get_settings()
    if enterprises is not None:
        config_dir = write_synthetic_config(settings.home_dir / SYNTHETIC_CONFIG, enterprises, seed)
        os.environ["CAMPAIGN_CONFIG_DIR"] = str(config_dir)
        console.print(f"模拟企业 {enterprises} 户（虚构，配置目录 {config_dir}）")
    stats = run_simulation(first, last or campaign_end(), seed)
    print_summary(get_settings().home_dir, stats)


def campaign_end() -> date:
    """The last day the calendar has anything to do: late files after the final review still count."""
    from campaign.calendar.plan import campaign_span
    from campaign.config.model import load_config

    return campaign_span(load_config())[1]


def fresh_demo_home(home: Path) -> Path:
    home = home.expanduser().resolve()
    if home.exists():
        if not (home / DEMO_MARKER).exists():
            err.print(f"[red]{home} 已存在且不是演示目录，为避免误删数据，请换一个 --home。[/red]")
            raise typer.Exit(2)
        from campaign.db.session import dispose_engines

        dispose_engines()  # pooled connections would keep writing into the deleted database file
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / DEMO_MARKER).write_text("此目录由 campaign demo 创建，可随时删除。\n", encoding="utf-8")
    os.environ["CAMPAIGN_HOME"] = str(home)
    os.environ.pop("CAMPAIGN_DATABASE_URL", None)  # the demo always uses the embedded SQLite default
    os.environ.pop("CAMPAIGN_CONFIG_DIR", None)  # and the sample district
    return home


def demo(
    home: Annotated[Path, typer.Option("--home", help="演示用的数据目录（每次运行都会重建）。")] = Path("var/demo"),
    seed: Annotated[int, typer.Option("--seed", help="随机种子。")] = 1,
) -> None:
    """演示：在全新的数据目录中，用示例区属企业模拟从 2023-05-12 到行动日历最后一天的整个行动，并说明结果在哪里查看。"""
    home = fresh_demo_home(home)
    last = campaign_end()
    console.print(
        f"[bold]演示[/bold]：数据目录 {home}；示例企业 9 户，模拟 2023-05-12 至 {last}（"
        "首次启动 Prefect 本地服务约需 10–20 秒）"
    )
    stats = run_simulation(date(2023, 5, 12), last, seed)
    print_summary(home, stats)
    console.print(f"查看报送状态：CAMPAIGN_HOME={home} campaign status --as-of {last}")
    console.print(
        "在 Prefect UI 中查看这些运行（campaign-simulation 及其子流程：印发通知、半年进展、新年度编制、年度考核、"
        "总结评估）："
        "另开终端执行 `prefect server start`，浏览器打开 http://127.0.0.1:4200 。"
    )
    from campaign.web.links import personal_link

    console.print(
        f"以企业身份查看网上报送系统（演示数据，业务日期固定为 {last}）："
        f"CAMPAIGN_HOME={home} campaign web --as-of {last}"
    )
    console.print(f"  然后在浏览器打开示例企业 DDK001 的专属链接：{personal_link('DDK001')}", highlight=False)
