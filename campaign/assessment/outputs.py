"""Annual assessment outputs on disk: scoring sheet, linkage sheet, scored lists, HTML report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from campaign.assessment.rules import EnterpriseResult
from campaign.assessment.workbooks import (
    build_linkage_sheet,
    build_scoring_sheet,
    write_scores_into_list,
)
from campaign.config.model import CampaignConfig
from campaign.reports.charts import bar_chart, ends_of_ranking, ends_title
from campaign.reports.html import render_report


def assessment_dir(home: Path, year: int) -> Path:
    return home / "reports" / f"assessment-{year}"


def write_scoring_sheet(home: Path, year: int, results: list[EnterpriseResult]) -> Path:
    path = assessment_dir(home, year) / f"{year}年度考核评分表.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    build_scoring_sheet(year, results).save(path)
    return path


@dataclass(frozen=True)
class AssessmentFiles:
    """What a finalised year leaves for people: the 挂钩表, the HTML report, each enterprise's scored list."""

    linkage: str
    html: str
    lists: list[str]


def write_final_outputs(
    home: Path,
    config: CampaignConfig,
    year: int,
    results: list[EnterpriseResult],
    sources: dict[str, Path],
    as_of: datetime,
) -> AssessmentFiles:
    """sources: enterprise code -> its stored list file (to write the scores into)."""
    out = assessment_dir(home, year)
    linkage = out / f"{year}年度考核结果（经营业绩考核挂钩）.xlsx"
    out.mkdir(parents=True, exist_ok=True)
    build_linkage_sheet(year, results, config.campaign.issuer).save(linkage)
    lists = []
    for r in results:
        if r.code in sources and sources[r.code].is_file():
            lists.append(
                write_scores_into_list(
                    sources[r.code], r, out / "清单" / f"{r.code}_{year}年度目标任务清单_考核结果.xlsx"
                )
            )
    html = render_report(
        "annual.html.j2",
        out / f"{year}年度考核报告.html",
        **annual_report_context(config, year, results, as_of),
    )
    return AssessmentFiles(str(linkage), str(html), [str(p) for p in lists])


def annual_report_context(config: CampaignConfig, year: int, results: list[EnterpriseResult], as_of: datetime) -> dict:
    by_dimension: dict[str, list[float]] = defaultdict(list)
    for r in results:
        for i in r.items:
            if i.completion is not None:
                by_dimension[i.item.dimension].append(min(i.completion, 1.5))
    dims = [d for d in [*config.benchmark_dimensions, "其他"] if by_dimension.get(d)]
    grades = [g.name for g in sorted(config.scoring.grades, key=lambda g: -g.min)]
    grade_counts = [sum(1 for r in results if r.grade == g) for g in grades]
    shown = ends_of_ranking(results, key=lambda r: r.total)
    charts = {
        "totals": bar_chart(
            [r.name.replace("（示例）", "") for r in shown],
            {"总分": [r.total for r in shown]},
            ends_title(f"{year}年度考核总分", len(results), len(shown)),
            "分",
            horizontal=True,
        ),
        "grades": bar_chart(grades, {"企业数": grade_counts}, "考核等级分布", "户"),
    }
    if dims:
        charts["dimensions"] = bar_chart(
            dims,
            {"平均完成率": [100 * sum(by_dimension[d]) / len(by_dimension[d]) for d in dims]},
            "各对标维度平均完成率",
            "%",
        )
    return {
        "issuer": config.campaign.issuer,
        "as_of": as_of.date(),
        "year": year,
        "results": results,
        "charts": charts,
        "categories": sorted({r.category for r in results}),
    }
