"""Final review outputs: an HTML report with charts and an Excel workbook (the .docx is in final_review_docx)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import matplotlib.pyplot as plt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from campaign.config.model import CampaignConfig
from campaign.final_review.rules import BENCHMARK, EXEMPLAR, FinalReview
from campaign.reports.charts import (
    PALETTE,
    STYLE,
    bar_chart,
    category_means,
    ends_of_ranking,
    ends_title,
    figure_svg,
    mean_of,
    too_many,
)
from campaign.reports.excel import append_safe
from campaign.reports.html import render_report
from campaign.workbook.self_review import QUESTIONS

DIRECTION_ZH = {"higher": "越高越好", "lower": "越低越好"}
STEM = "价值创造行动总结评估"


def out_dir(home: Path) -> Path:
    return home / "reports" / "final-review"


def short(name: str) -> str:
    return name.replace("（示例）", "")


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


# --- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    label: str
    values: list[float | None]  # baseline, then each year's actual
    target: float | None  # the last year's
    benchmark: float | None


def _lines(review: FinalReview, indicator: str) -> list[_Line]:
    """A line per enterprise; past MAX_BARS enterprises, the mean line of each 功能分类."""
    last = review.years[-1]
    points = [
        (r.data, next(t.points for t in r.trajectories if t.points.indicator == indicator)) for r in review.enterprises
    ]
    lines = [
        _Line(short(d.name), [p.baseline, *(p.actuals.get(y) for y in review.years)], p.targets.get(last), p.benchmark)
        for d, p in points
    ]
    if not too_many(lines):
        return lines
    by_category: dict[str, list[_Line]] = {}
    for (d, _), line in zip(points, lines, strict=True):
        by_category.setdefault(d.category, []).append(line)
    return [
        _Line(
            f"{c}平均",
            [mean_of([x.values[k] for x in group]) for k in range(len(review.years) + 1)],
            mean_of([x.target for x in group]),
            mean_of([x.benchmark for x in group]),
        )
        for c, group in sorted(by_category.items())
    ]


def trajectory_chart(review: FinalReview, indicator: str, unit: str) -> str | None:
    """Each enterprise's line baseline -> yearly actuals; × its last-year target, dashed its benchmark
    (past MAX_BARS enterprises, each 功能分类's mean)."""
    labels = ["基期", *(f"{y}年" for y in review.years)]
    drawn = 0
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.2, 3.4))
        for k, line in enumerate(_lines(review, indicator)):
            if all(v is None for v in line.values):
                continue
            color = PALETTE[k % len(PALETTE)]
            ax.plot(
                labels,
                [float("nan") if v is None else v for v in line.values],
                marker="o",
                color=color,
                label=line.label,
            )
            if line.target is not None:
                ax.plot([labels[-1]], [line.target], marker="x", markersize=9, linestyle="none", color=color)
            if line.benchmark is not None:
                ax.axhline(line.benchmark, color=color, linestyle="--", linewidth=0.8, alpha=0.7)
            drawn += 1
        if not drawn:
            plt.close(fig)
            return None
        averaged = "各功能分类平均，" if too_many(review.enterprises) else ""
        ax.set_title(f"{indicator}（{averaged}虚线：标杆值；×：{review.years[-1]}年目标值）", fontsize=10)
        ax.set_ylabel(unit)
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return figure_svg(fig)


def charts(review: FinalReview, config: CampaignConfig) -> tuple[dict[str, str], dict[str, str]]:
    cats = [c.category for c in review.categories]
    main = {
        "completion": bar_chart(
            cats,
            {f"{y}年目标达成比例": [_pct(c.completion_share[y]) or 0 for c in review.categories] for y in review.years},
            "分功能分类目标任务完成情况",
            "%",
        ),
    }
    ranked = ends_of_ranking(review.enterprises, key=lambda r: r.average_total or 0)
    main["scores"] = bar_chart(
        [short(r.data.name) for r in ranked],
        {f"{y}年度": [r.data.scores[y].total if y in r.data.scores else 0 for r in ranked] for y in review.years},
        ends_title("各企业年度考核总分", len(review.enterprises), len(ranked))
        + ("（按年均总分）" if too_many(review.enterprises) else ""),
        "分",
        horizontal=True,
    )

    def gap(r, indicator: str) -> float:
        ratio = next(t.gap.ratio or 0 for t in r.trajectories if t.points.indicator == indicator)
        return max(-100.0, min(200.0, 100 * ratio))

    if too_many(review.enterprises):  # a bar per enterprise and indicator would be unreadable: category means
        main["gaps"] = bar_chart(
            cats,
            {
                i.name: [
                    category_means([(r.data.category, gap(r, i.name)) for r in review.enterprises]).get(c) or 0
                    for c in cats
                ]
                for i in config.core_indicators
            },
            f"核心指标与标杆差距缩小比例（各功能分类平均，共{len(review.enterprises)}户）",
            "%",
        )
    else:
        main["gaps"] = bar_chart(
            [short(r.data.name) for r in review.enterprises],
            {i.name: [gap(r, i.name) for r in review.enterprises] for i in config.core_indicators},
            "核心指标与标杆差距缩小比例",
            "%",
            horizontal=True,
        )
    indicators = {}
    for i in config.core_indicators:
        svg = trajectory_chart(review, i.name, i.unit)
        if svg:
            indicators[i.name] = svg
    return main, indicators


# --- workbook ---------------------------------------------------------------------------------


def candidate_kinds(review: FinalReview) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for c in review.candidates:
        kinds.setdefault(c.code, []).append(c.kind)
    return kinds


def build_workbook(review: FinalReview) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "企业汇总"
    header = ["企业代码", "企业名称", "功能分类", "创标企业（子企业）"]
    for y in review.years:
        header += [
            f"{y}年量化目标数",
            f"{y}年达成数",
            f"{y}年达成比例",
            f"{y}年平均完成率",
            f"{y}年考核总分",
            f"{y}年分类排名",
            f"{y}年等级",
        ]
    header += [
        "年均考核总分",
        "差距缩小达标的核心指标数",
        "评估报告",
        "对标方式",
        "对标企业",
        "候选",
        "缺报材料",
        "数据说明",
    ]
    ws.append(header)
    kinds = candidate_kinds(review)
    for r in review.enterprises:
        d = r.data
        row: list[object] = [d.code, d.name, d.category, "；".join(u.text for u in d.units or []) or "—"]
        for y in review.years:
            c, s = r.completion[y], d.scores.get(y)
            row += [
                c.quantified if c else None,
                c.reached if c else None,
                round(c.share, 4) if c else None,
                c.average_ratio if c else None,
            ]
            row += [s.total, f"{s.rank}/{s.category_size}", s.grade] if s else [None, None, None]
        row += [
            r.average_total,
            len(r.gaps_met),
            f"{d.evaluation_report:%Y-%m-%d} 已接收" if d.evaluation_report else "未报送",
            d.benchmarks.mode if d.benchmarks else "—",
            "、".join(d.benchmarks.names) if d.benchmarks else "—",
            "、".join(kinds.get(d.code, [])) or "—",
            "、".join(d.missing) or "—",
            "；".join(d.notes),
        ]
        append_safe(ws, row)

    cs = wb.create_sheet("分类汇总")
    cs.append(
        [
            "功能分类",
            "企业数",
            *[h for y in review.years for h in (f"{y}年达成比例", f"{y}年平均完成率", f"{y}年平均考核总分")],
        ]
    )
    for cat in review.categories:
        cs.append(
            [
                cat.category,
                cat.enterprises,
                *[
                    v
                    for y in review.years
                    for v in (cat.completion_share[y], cat.average_ratio[y], cat.average_total[y])
                ],
            ]
        )

    ts = wb.create_sheet("核心指标轨迹")
    ts.append(
        [
            "企业代码",
            "企业名称",
            "核心指标",
            "单位",
            "方向",
            "基期值（企业现状）",
            *[h for y in review.years for h in (f"{y}年目标值", f"{y}年实际值")],
            "标杆值（标杆企业现状）",
            "差距缩小比例",
            "说明",
        ]
    )
    for r in review.enterprises:
        for t in r.trajectories:
            p = t.points
            append_safe(
                ts,
                [
                    r.data.code,
                    r.data.name,
                    p.indicator,
                    p.unit,
                    DIRECTION_ZH.get(p.direction, p.direction),
                    p.baseline,
                    *[v for y in review.years for v in (p.targets.get(y), p.actuals.get(y))],
                    p.benchmark,
                    t.gap.ratio,
                    t.gap.note,
                ],
            )

    own = wb.create_sheet("企业自评")
    own.append(["企业代码", "企业名称", "材料", *QUESTIONS.values()])
    for r in review.enterprises:
        for title, answers in r.data.self_reviews.items():
            append_safe(own, [r.data.code, r.data.name, title, *(answers.get(k, "") for k in QUESTIONS)])

    ks = wb.create_sheet("候选名单")
    ks.append(
        [
            "候选类型",
            "企业代码",
            "企业名称",
            "功能分类",
            "推荐理由（满足的条件）",
            "标杆单位（创标企业）",
            "业务板块",
            "对标企业",
        ]
    )
    for cand in review.candidates:
        unit = cand.unit
        append_safe(
            ks,
            [
                cand.kind,
                cand.code,
                cand.name,
                cand.category,
                cand.explanation,
                *((unit.name, unit.business_line, unit.benchmark) if unit else ("—", "—", "—")),
            ],
        )
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "C2" if sheet.title != "分类汇总" else "B2"
    ks.column_dimensions["E"].width = 90
    return wb


# --- all outputs ------------------------------------------------------------------------------


def write_outputs(
    home: Path, config: CampaignConfig, review: FinalReview, as_of: datetime, previous: list[date] | None = None
) -> dict[str, str]:
    """Write this version into a folder named by its business date (earlier versions stay in theirs) and copy it
    to the top of reports/final-review/ as the current version."""
    from campaign.final_review.docx import build_document

    out = out_dir(home) / as_of.date().isoformat()
    out.mkdir(parents=True, exist_ok=True)
    xlsx = out / f"{STEM}汇总表.xlsx"
    build_workbook(review).save(xlsx)
    main, indicators = charts(review, config)
    html = render_report(
        "final_review.html.j2",
        out / f"{STEM}报告.html",
        issuer=config.campaign.issuer,
        campaign_title=config.campaign.title,
        as_of=as_of.date(),
        review=review,
        charts=main,
        indicator_charts=indicators,
        rules=config.final_review,
        exemplar=EXEMPLAR,
        benchmark=BENCHMARK,
        kinds=candidate_kinds(review),
        direction_zh=DIRECTION_ZH,
        previous=previous or [],
        questions=QUESTIONS,
    )
    docx = out / f"{STEM}报告.docx"
    build_document(config, review, as_of).save(str(docx))  # python-docx types save() as taking a str or a stream
    for path in (html, xlsx, docx):
        shutil.copy2(path, out.parent / Path(path).name)
    return {"html": str(html), "xlsx": str(xlsx), "docx": str(docx)}
