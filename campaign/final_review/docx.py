"""The final review as a Word document for the official file (公文: 方正小标宋 title, 黑体 headings, 仿宋 body)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from statistics import mean

from docx.document import Document as DocumentObject
from docx.shared import RGBColor

from campaign.calendar.clock import format_date_zh
from campaign.config.model import CampaignConfig
from campaign.documents.generate import centered, official_document, set_font
from campaign.final_review.rules import BENCHMARK, EXEMPLAR, FinalReview, supervision

SECTIONS = (
    "一、总体情况",
    "二、目标任务完成情况",
    "三、核心指标变化",
    "四、标杆/典范候选",
    "五、下一步工作（建立健全长效工作机制）",
)
BODY_FONT = "仿宋_GB2312"


def _para(
    doc, text: str, font: str = BODY_FONT, size: float = 16, bold: bool | None = None, center: bool = False
) -> None:
    if center:
        centered(doc, text, font, size)
        return
    set_font(doc.add_paragraph().add_run(text), font, size, bold)


def _heading(doc, text: str) -> None:
    # A real Heading style keeps the document outline navigable; the run font keeps the 公文 look.
    p = doc.add_heading(level=1)
    run = p.add_run(text)
    set_font(run, "黑体", 16, bold=False)
    run.font.color.rgb = RGBColor(0, 0, 0)  # the Heading style's theme colour is not a 公文's


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def build_document(config: CampaignConfig, review: FinalReview, as_of: datetime) -> DocumentObject:
    doc = official_document()
    _para(doc, f"{config.campaign.title}总结评估报告", "方正小标宋简体", 22, center=True)
    _para(doc, f"{config.campaign.issuer}（{format_date_zh(as_of.date())}）", "楷体_GB2312", 16, center=True)
    ents = review.enterprises
    years = review.years

    _heading(doc, SECTIONS[0])
    by_cat = Counter(r.data.category for r in ents)
    units = [u for r in ents for u in r.data.units or []]
    reports = sum(1 for r in ents if r.data.evaluation_report)
    _para(
        doc,
        f"本次价值创造行动覆盖区属国有企业{len(ents)}户（"
        + "、".join(f"{c}{n}户" for c, n in sorted(by_cat.items()))
        + f"），各企业在目标任务中列明创标企业（重点培育为标杆的子企业）共{len(units)}户，其余为达标企业。"
        "深化评估阶段，"
        f"{reports}户企业报送评估报告并被接收，{len(ents) - reports}户尚未报送。"
        + "".join(f"{y}年度考核已定稿企业{sum(1 for r in ents if y in r.data.scores)}户；" for y in years).rstrip("；")
        + "。",
    )
    benchmarked = [(r.data.name, b) for r in ents if (b := r.data.benchmarks) is not None]
    if benchmarked:
        modes = Counter(b.mode for _, b in benchmarked)
        _para(
            doc,
            f"对标对象：{len(benchmarked)}户企业在目标任务中写明了对标对象，其中单户对标{modes.get('单户', 0)}户、"
            f"多户对标{modes.get('多户', 0)}户。" + "；".join(f"{name}{b.text}" for name, b in benchmarked) + "。",
        )
    if review.missing:
        _para(
            doc,
            f"截至{format_date_zh(as_of.date())}，总结评估所用材料均已过截止日，仍有{len(review.missing)}户企业缺报"
            f"{review.missing_files}份："
            + "；".join(f"{r.data.name}缺报{'、'.join(files)}" for r, files in review.missing)
            + "。缺报材料的企业不列为候选。",
        )
    else:
        _para(doc, f"截至{format_date_zh(as_of.date())}，总结评估所用材料均已接收。")
    if review.notes:
        _para(
            doc,
            f"数据缺失情况：共{len(review.notes)}项，已在汇总表“企业汇总”的“数据说明”列逐户列明，相关指标按缺失处理、不作推算。",
        )

    _heading(doc, SECTIONS[1])
    for y in years:
        done = [c for c in (r.completion[y] for r in ents) if c]
        quantified = sum(c.quantified for c in done)
        reached = sum(c.reached for c in done)
        avg = f"{mean(c.average_ratio for c in done):.1%}" if done else "—"
        _para(
            doc,
            f"{y}年度：{len(done)}户企业报送完成情况，共有量化目标任务{quantified}项，达到目标{reached}项，"
            f"达成比例{_share(reached, quantified)}，平均完成率{avg}。",
        )
    for c in review.categories:
        parts = [
            f"{y}年达成比例{c.completion_share[y]:.1%}" if c.completion_share[y] is not None else f"{y}年无数据"
            for y in years
        ]
        totals = [f"{y}年平均考核总分{c.average_total[y]:.1f}分" for y in years if c.average_total[y] is not None]
        _para(doc, f"{c.category}（{c.enterprises}户）：" + "，".join(parts + totals) + "。")

    _heading(doc, SECTIONS[2])
    threshold = config.final_review.gap_closed_threshold
    for indicator in config.core_indicators:
        traj = [t for r in ents for t in r.trajectories if t.points.indicator == indicator.name]
        computed = [t.gap.ratio for t in traj if t.gap.ratio is not None]
        met = sum(1 for t in traj if t.gap.met)
        missing = sum(1 for t in traj if t.gap.status == "missing")
        text = f"{indicator.name}（{indicator.unit}，{'越低越好' if indicator.direction == 'lower' else '越高越好'}）："
        if computed:
            text += f"{len(computed)}户企业可计算与标杆的差距缩小比例，平均{mean(computed):.0%}；"
        text += f"{met}户差距缩小达到{threshold:.0%}或保持标杆水平；{missing}户缺少基期值、实际值或标杆值。"
        _para(doc, text)

    _heading(doc, SECTIONS[3])
    rules = config.final_review
    _para(
        doc,
        f"按总结评估规则推荐候选名单，报区国资委研究确定。{EXEMPLAR}候选：各年度考核均为“{rules.exemplar.grade}”，"
        f"且至少{rules.exemplar.min_indicators}项核心指标与标杆差距缩小{threshold:.0%}以上；{BENCHMARK}候选：所属企业年度考核平均不低于{rules.benchmark.min_average_total:g}分"
        + (
            f"，各年度量化目标达成比例不低于{rules.benchmark.min_targets_met_share:.0%}"
            if rules.benchmark.min_targets_met_share
            else ""
        )
        + ("，并已报送评估报告" if rules.benchmark.require_evaluation_report else "")
        + "的企业，其在目标任务中列明的创标企业（子企业）。",
    )
    for kind in (EXEMPLAR, BENCHMARK):
        chosen = [c for c in review.candidates if c.kind == kind]
        if not chosen:
            _para(doc, f"{kind}候选：本次无企业满足全部条件。")
        for cand in chosen:
            _para(doc, f"{kind}候选：{cand.who}（{cand.category}）。推荐理由：{cand.explanation}")
    for cand, files in review.withheld:
        _para(
            doc,
            f"{cand.who}的考核和指标满足{cand.kind}候选条件，但缺报{'、'.join(files)}，暂不列为候选，待补报后重新评估。",
        )

    _heading(doc, SECTIONS[4])
    lagging = [f"{r.data.name}（{'；'.join(why)}）" for r, why in supervision(ents, years, rules)]
    steps = [
        "（一）持续对标提升。各企业对照标杆企业现状，针对差距未明显缩小的核心指标动态调整工作措施，将价值创造目标纳入年度经营计划。",
        "（二）完善考核挂钩。年度评估结果继续与企业负责人经营业绩考核挂钩，核心指标实行常态化监测、半年报送、年度评估。",
        "（三）总结推广典型。对推荐的典范企业和标杆候选深入总结做法和经验，采取多种形式宣传推广，发挥示范带动作用。",
    ]
    if lagging:
        grades = "、".join(f"“{g}”" for g in rules.supervision_grades)
        steps.append(
            f"（四）加强督促指导。对年度考核等级为{grades}或材料不全的企业开展专项督导，限期补齐短板：{'，'.join(lagging)}。"
        )
    for text in steps:
        _para(doc, text)
    props = doc.core_properties
    props.title = f"{config.campaign.title}总结评估报告"
    props.author = config.campaign.issuer
    return doc
