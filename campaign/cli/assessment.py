"""CLI for the annual assessment: `campaign assess`, `campaign resume`, `campaign scores import|export`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

scores_app = typer.Typer(help="年度考核评分表：导出给区国资委填写调整，或导入已填写的评分表。", no_args_is_help=True)


def _flow_run_for(year: int) -> str:
    import sqlalchemy as sa

    from campaign.db import models as m
    from campaign.db.session import session_scope

    with session_scope() as session:
        row = session.scalars(sa.select(m.Assessment).where(m.Assessment.year == year)).one_or_none()
    if row is None or row.status != "awaiting_review" or not row.flow_run_id:
        raise typer.BadParameter(f"{year} 年度考核没有等待审核的流程运行（先运行 campaign assess {year}）")
    return row.flow_run_id


def resume_review(
    year: int,
    reviewer: str,
    adjustments: Sequence[tuple[str, int, float, str]] = (),
    approve: bool = True,
    run_id: str | None = None,
) -> None:
    """Give the paused assessment run the input its form asks for (same as filling it in the Prefect UI)."""
    from prefect.flow_runs import resume_flow_run

    run_id = run_id or _flow_run_for(year)
    run_input = {
        "reviewer": reviewer,
        "approve": approve,
        "adjustments": [{"enterprise": e, "row_no": r, "score": s, "reason": why} for e, r, s, why in adjustments],
    }
    resume_flow_run(UUID(run_id), run_input=run_input)


def _parse_adjust(values: list[str]) -> list[tuple[str, int, float, str]]:
    parsed = []
    for value in values:
        parts = value.split(":", 3)
        if len(parts) != 4:
            raise typer.BadParameter(f"“{value}”格式应为 企业代码:行号:得分:理由", param_hint="--adjust")
        code, row, score, reason = parts
        try:
            parsed.append((code, int(row), float(score), reason))
        except ValueError:
            raise typer.BadParameter(f"“{value}”中的行号或得分不是数字", param_hint="--adjust") from None
    return parsed


def resume(
    year: Annotated[int, typer.Argument(help="考核年度，如 2023。")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="审核人姓名（记入审计）。")],
    adjust: Annotated[
        list[str] | None, typer.Option("--adjust", help="调整一项得分：企业代码:行号:得分:理由，可重复。")
    ] = None,
    reject: Annotated[bool, typer.Option("--reject", help="不批准定稿（评分保留，可重新运行考核）。")] = False,
    run_id: Annotated[str | None, typer.Option("--run-id", help="流程运行 ID（默认取该年度等待审核的运行）。")] = None,
) -> None:
    """向等待审核的年度考核流程提交审核意见（与在 Prefect UI 中填写表单相同），流程随即继续并定稿。"""
    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment()
    resume_review(year, reviewer, _parse_adjust(adjust or []), approve=not reject, run_id=run_id)
    typer.echo(f"已提交 {year} 年度考核审核意见（{'不批准' if reject else '批准定稿'}，调整 {len(adjust or [])} 项）。")


def assess(
    year: Annotated[int, typer.Argument(help="考核年度，如 2023。")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="业务日期 YYYY-MM-DD；默认当前时间。")] = None,
    timeout_hours: Annotated[float, typer.Option("--timeout-hours", help="等待审核的最长时间（小时）。")] = 168.0,
) -> None:
    """运行年度考核：自动计分后暂停，等待区国资委在 Prefect UI 或用 campaign resume 审核，然后定稿并输出结果。"""
    from campaign.cli.common import parse_as_of, print_json, run_flow
    from campaign.runtime.environment import prepare_prefect_environment

    prepare_prefect_environment()
    typer.echo(
        f"{year} 年度考核开始。计分完成后流程将暂停等待审核：请在 Prefect UI 中打开该运行填写表单，"
        f"或另开终端执行 campaign resume {year} --reviewer 姓名 [--adjust 企业代码:行号:得分:理由]。"
    )
    from flows.annual_assessment import annual_assessment

    result = run_flow(
        annual_assessment, year=year, as_of=parse_as_of(as_of), review_timeout_seconds=int(timeout_hours * 3600)
    )
    print_json(result)


def import_scores(
    file: Annotated[
        Path, typer.Argument(help="已填写“调整后得分”“调整理由”的评分表 .xlsx。", exists=True, dir_okay=False)
    ],
    reviewer: Annotated[str, typer.Option("--reviewer", help="审核人姓名（记入审计）。")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="业务日期；默认当前时间。")] = None,
) -> None:
    """导入区国资委填写的评分表：每项调整记入审计（谁、何时、原分、新分、理由）；有任何错误则一项也不导入。"""
    from campaign.assessment.store import apply_review, get_or_create
    from campaign.assessment.workbooks import read_scoring_sheet
    from campaign.cli.common import parse_as_of
    from campaign.config.model import load_config
    from campaign.db.session import session_scope
    from campaign.errors import AdjustmentError, ScoringSheetError

    try:
        imported = read_scoring_sheet(file)
    except ScoringSheetError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3) from None
    moment = parse_as_of(as_of)
    try:
        with session_scope() as session:
            assessment = get_or_create(session, imported.year, moment)
            if assessment.status == "final":
                typer.echo(f"{imported.year} 年度考核已定稿，不能再导入调整。", err=True)
                raise typer.Exit(3)
            changes = apply_review(session, assessment, load_config(), imported.adjustments, reviewer, moment)
    except AdjustmentError as exc:
        typer.echo(f"评分表有误，未导入任何调整：{exc}", err=True)
        raise typer.Exit(3) from None
    typer.echo(f"已导入 {imported.year} 年度评分调整 {len(changes)} 项。")


def export_scores(
    year: Annotated[int, typer.Argument(help="考核年度。")],
    out: Annotated[Path, typer.Option("--out", help="输出文件路径。")] = Path("评分表.xlsx"),
) -> None:
    """导出某年度的评分表（自动得分与已调整得分），供区国资委填写“调整后得分”“调整理由”。"""
    import sqlalchemy as sa

    from campaign.assessment.store import load_results
    from campaign.assessment.workbooks import build_scoring_sheet
    from campaign.config.model import load_config
    from campaign.db import models as m
    from campaign.db.session import session_scope

    with session_scope() as session:
        assessment = session.scalars(sa.select(m.Assessment).where(m.Assessment.year == year)).one_or_none()
        if assessment is None:
            raise typer.BadParameter(f"{year} 年度尚未计分（先运行 campaign assess {year}）")
        results = list(load_results(session, assessment, load_config()).values())
    out.parent.mkdir(parents=True, exist_ok=True)
    build_scoring_sheet(year, results).save(out)
    typer.echo(f"评分表已导出：{out}")


scores_app.command("import")(import_scores)
scores_app.command("export")(export_scores)
