"""CLI for the implementation phase's collection and reports: `campaign half-year`, `campaign report ...`."""

from __future__ import annotations

from typing import Annotated

import typer

report_app = typer.Typer(help="生成阶段性报告：半年进展汇总、年度考核报告。", no_args_is_help=True)

Period = Annotated[str, typer.Argument(help="半年度，如 2023H1、2024H2。")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="业务日期 YYYY-MM-DD；默认当前时间。")]


def half_year(
    period: Period,
    as_of: AsOf = None,
    mode: Annotated[
        str, typer.Option("--mode", help="open：预填模板并下发通知；close：截止后汇总；auto：按日期自动判断。")
    ] = "auto",
) -> None:
    """半年进展情况：窗口内下发预填的进展表和通知，截止后汇总报送情况与进展（以 Prefect 流程运行）。"""
    from campaign.cli.common import parse_as_of, print_json, run_flow
    from campaign.runtime.environment import prepare_prefect_environment

    if mode not in ("auto", "open", "close"):
        raise typer.BadParameter("只能是 auto、open 或 close", param_hint="--mode")
    prepare_prefect_environment()
    from flows.half_year_collection import half_year_collection

    print_json(run_flow(half_year_collection, period=period, as_of=parse_as_of(as_of), mode=mode))


@report_app.command("half-year")
def report_half_year(period: Period, as_of: AsOf = None) -> None:
    """生成某半年度的进展汇总（Excel 与带图表的 HTML），并显示文件位置。"""
    from campaign.cli.common import parse_as_of, run_flow
    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment()
    from flows.half_year_collection import half_year_collection

    result = run_flow(half_year_collection, period=period, as_of=parse_as_of(as_of), mode="close")
    s = result["summary"]
    typer.echo(
        f"{period} 报送完整率 {s['completeness_rate']:.1%}，按时报送率 {s['timeliness_rate']:.1%}，"
        f"需关注企业 {len(s['attention'])} 户。"
    )
    typer.echo(f"HTML 报告：{result['outputs']['html']}")
    typer.echo(f"汇总表：{result['outputs']['xlsx']}")


@report_app.command("annual")
def report_annual(year: Annotated[int, typer.Argument(help="考核年度，如 2023。")], as_of: AsOf = None) -> None:
    """重新生成已定稿年度考核的报告、经营业绩考核挂钩表和各企业考核结果清单，并显示文件位置。"""
    from campaign.assessment.outputs import write_final_outputs
    from campaign.assessment.store import load_final
    from campaign.cli.common import parse_as_of
    from campaign.config.model import load_config
    from campaign.config.settings import get_settings
    from campaign.db.session import session_scope

    config = load_config()
    home = get_settings().home_dir
    with session_scope() as session:
        final = load_final(session, config, year, home, parse_as_of(as_of) if as_of else None)
    if final is None:
        typer.echo(f"{year} 年度考核尚未定稿（先运行 campaign assess {year} 并完成审核）。", err=True)
        raise typer.Exit(3)
    outputs = write_final_outputs(home, config, year, final.results, final.sources, final.finalized_at)
    typer.echo(f"HTML 报告：{outputs.html}")
    typer.echo(f"经营业绩考核挂钩表：{outputs.linkage}")
    typer.echo(f"各企业考核结果清单：{len(outputs.lists)} 份，位于 {home / 'reports' / f'assessment-{year}' / '清单'}")


def next_year(year: Annotated[int, typer.Argument(help="新年度，如 2024。")], as_of: AsOf = None) -> None:
    """开启新年度目标任务及清单编制：按上年度清单、完成情况和考核得分预填本年度清单并下发通知。"""
    from campaign.cli.common import parse_as_of, print_json, run_flow
    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment()
    from flows.next_year_cycle import next_year_cycle

    print_json(run_flow(next_year_cycle, year=year, as_of=parse_as_of(as_of)))


@report_app.command("final")
def report_final(as_of: AsOf = None) -> None:
    """深化评估阶段总结评估：生成 HTML 报告、Excel 汇总表和 Word 公文稿，推荐标杆/典范候选并通知区国资委。"""
    from campaign.cli.common import parse_as_of, run_flow
    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment()
    from flows.final_review import final_review

    result = run_flow(final_review, as_of=parse_as_of(as_of))
    missing = result["missing"]
    files = sum(len(f) for f in missing.values())
    typer.echo(
        f"总结评估（截至 {result['as_of']}）：候选 {len(result['candidates'])} 个，"
        f"缺报材料 {files} 份（{len(missing)} 户），数据缺失 {len(result['notes'])} 项。"
    )
    for c in result["candidates"]:
        unit = f"{c['unit']}（{c['name']}所属）" if c.get("unit") else c["name"]
        typer.echo(f"  {c['kind']}候选：{c['code']} {unit}——{c['explanation']}")
    for code, files in missing.items():
        typer.echo(f"  缺报：{code} {'、'.join(files)}")
    typer.echo(f"HTML 报告：{result['outputs']['html']}")
    typer.echo(f"汇总表：{result['outputs']['xlsx']}")
    typer.echo(f"公文稿（Word）：{result['outputs']['docx']}")
