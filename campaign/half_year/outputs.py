"""Half-year summary outputs: an Excel workbook and an HTML report with charts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from campaign.config.model import CampaignConfig, Deliverable
from campaign.half_year.rules import HalfYearSummary
from campaign.reports.charts import bar_chart, category_means, too_many
from campaign.reports.excel import append_safe
from campaign.reports.html import render_report
from campaign.workbook.self_review import QUESTIONS

STATUS_ZH = {"accepted": "按时报送", "late": "逾期报送", "rejected": "被退回未重报", "missing": "未报送"}


def period_dir(home: Path, deliverable: Deliverable) -> Path:
    return home / "reports" / deliverable.id


def build_workbook(
    summary: HalfYearSummary,
    names: dict[str, str],
    categories: dict[str, str],
    narratives: dict[str, str],
    self_reviews: dict[str, dict[str, str]] | None = None,
    units: dict[str, tuple[str, list[dict]]] | None = None,
) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "报送情况"
    ws.append(["企业代码", "企业名称", "功能分类", "报送情况", "总体进展情况"])
    status_of = {c: k for k in ("on_time", "late", "rejected", "missing") for c in getattr(summary, k)}
    key_zh = {"on_time": "按时报送", "late": "逾期报送", "rejected": "被退回未重报", "missing": "未报送"}
    for code in sorted(names):
        state = key_zh[status_of[code]]
        if code in summary.received:
            when = summary.received[code]
            state += f"（{when.year}年{when.month}月{when.day}日接收）"
        append_safe(ws, [code, names[code], categories[code], state, narratives.get(code, "")])
    ws.append([])
    ws.append(["报送完整率", summary.completeness_rate, "按时报送率", summary.timeliness_rate])
    cats = wb.create_sheet("分类统计")
    cats.append(["功能分类", "企业数", "已报送", "按时报送", "完整率", "及时率"])
    for category, v in summary.by_category.items():
        cats.append([category, v["total"], v["reported"], v["on_time"], v["completeness"], v["timeliness"]])
    dims = wb.create_sheet("维度进展")
    dims.append(["一级任务", "平均完成进度"])
    for dim, ratio in sorted(summary.dimension_progress.items(), key=lambda kv: kv[1]):
        dims.append([dim, ratio])
    ind = wb.create_sheet("核心指标")
    ind.append(["核心指标", "企业代码", "企业名称", "年度目标值", "半年完成值", "标杆值", "完成进度"])
    for name, rows in summary.indicators.items():
        for r in rows:
            append_safe(
                ind, [name, r["code"], names.get(r["code"], ""), r["target"], r["value"], r["benchmark"], r["progress"]]
            )
    att = wb.create_sheet("需关注企业")
    att.append(["企业代码", "企业名称", "原因"])
    for a in summary.attention:
        append_safe(att, [a["code"], a["name"], "；".join(a["reasons"])])
    own = wb.create_sheet("企业自评")
    own.append(["企业代码", "企业名称", *QUESTIONS.values()])
    for code, review in sorted((self_reviews or {}).items()):
        append_safe(own, [code, names.get(code, ""), *(review.get(k, "") for k in QUESTIONS)])
    cb = wb.create_sheet("创标企业")
    cb.append(["企业代码", "企业名称", "创标企业（子企业）", "业务板块", "对标企业", "来源"])
    for code, (title, found) in sorted((units or {}).items()):
        for u in found or [{"name": "无（已说明原因）", "business_line": "—", "benchmark": "—"}]:
            append_safe(cb, [code, names.get(code, ""), u["name"], u["business_line"], u["benchmark"], title])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    return wb


def write_outputs(
    home: Path,
    config: CampaignConfig,
    deliverable: Deliverable,
    summary: HalfYearSummary,
    names: dict[str, str],
    categories: dict[str, str],
    narratives: dict[str, str],
    as_of: datetime,
    self_reviews: dict[str, dict[str, str]] | None = None,
    units: dict[str, tuple[str, list[dict]]] | None = None,
) -> dict[str, str]:
    out = period_dir(home, deliverable)
    out.mkdir(parents=True, exist_ok=True)
    xlsx = out / f"{deliverable.title}汇总.xlsx"
    build_workbook(summary, names, categories, narratives, self_reviews, units).save(xlsx)
    charts = {
        "categories": bar_chart(
            list(summary.by_category),
            {
                "报送完整率": [100 * v["completeness"] for v in summary.by_category.values()],
                "按时报送率": [100 * v["timeliness"] for v in summary.by_category.values()],
            },
            "分功能分类报送情况",
            "%",
        ),
    }
    if summary.dimension_progress:
        dims = [d for d in [*config.benchmark_dimensions, "其他"] if d in summary.dimension_progress]
        charts["dimensions"] = bar_chart(
            dims,
            {"平均完成进度": [100 * summary.dimension_progress[d] for d in dims]},
            "各对标维度半年完成进度",
            "%",
            horizontal=True,
        )
    indicator_charts = {}
    for indicator in (i.name for i in config.core_indicators):
        rows = summary.indicators.get(indicator) or []
        if not rows:
            continue
        unit = next(i.unit for i in config.core_indicators if i.name == indicator)
        columns = {"年度目标值": "target", "半年完成值": "value"}
        if any(r["benchmark"] is not None for r in rows):
            columns["标杆值"] = "benchmark"
        if too_many(rows):  # a bar per enterprise would be unreadable: the mean of each 功能分类
            means = {
                label: category_means([(categories.get(r["code"], "未分类"), r[key]) for r in rows])
                for label, key in columns.items()
            }
            groups = list(next(iter(means.values())))
            indicator_charts[indicator] = bar_chart(
                groups,
                {f"{label}（平均）": [v or 0 for v in m.values()] for label, m in means.items()},
                f"{indicator}（各功能分类平均，共{len(rows)}户）",
                unit,
            )
            continue
        series = {label: [r[key] or 0 for r in rows] for label, key in columns.items()}
        indicator_charts[indicator] = bar_chart(
            [names.get(r["code"], r["code"]).replace("（示例）", "") for r in rows], series, indicator, unit
        )
    html = render_report(
        "half_year.html.j2",
        out / f"{deliverable.title}汇总.html",
        issuer=config.campaign.issuer,
        as_of=as_of.date(),
        deliverable=deliverable,
        summary=summary,
        names=names,
        categories=categories,
        charts=charts,
        indicator_charts=indicator_charts,
        self_reviews=dict(sorted((self_reviews or {}).items())),
        units=dict(sorted((units or {}).items())),
        questions=QUESTIONS,
    )
    return {"xlsx": str(xlsx), "html": str(html)}
