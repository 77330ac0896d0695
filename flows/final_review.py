"""深化评估阶段总结评估 (seed §三(二)三, §三(三)二): review the whole campaign, propose 标杆/典范 candidates."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from campaign.calendar.clock import AsOfParam, resolve_as_of
from campaign.final_review.rules import FinalReview
from tasks.db import prepare_database
from tasks.final_review import compute_review, ready_message
from tasks.notify import fail_if_undelivered, notify_all


@flow(
    name="final-review",
    description="深化评估阶段总结评估：汇总各企业评估报告和2023、2024年度目标任务完成情况，计算分企业、分功能分类完成情况、"
    "核心指标从基期到2024年的变化及与标杆差距缩小比例、两年度考核结果，按配置规则推荐价值创造标杆和典范企业候选，"
    "输出 HTML 报告、Excel 汇总表和 Word 公文稿，并通知区国资委。",
)
def final_review(as_of: AsOfParam = None) -> dict:
    as_of = resolve_as_of(as_of)
    prepare_database()
    run = compute_review(as_of)
    result, outputs = run.result, run.outputs
    message = ready_message(result, outputs, as_of, run.previous)
    delivery = notify_all([message], as_of)
    create_table_artifact(
        key="final-review-candidates",
        table=_candidate_rows(result),
        description=f"总结评估候选名单（截至 {as_of.date()}）",
    )
    create_markdown_artifact(
        key="final-review", markdown=_markdown(result, outputs, as_of), description="价值创造行动总结评估"
    )
    result_dict = {
        "as_of": as_of.date().isoformat(),
        "outputs": outputs,
        "candidates": [
            {
                "kind": c.kind,
                "code": c.code,
                "name": c.name,
                "unit": c.unit.name if c.unit else None,
                "explanation": c.explanation,
            }
            for c in result.candidates
        ],
        "notes": result.notes,
        "missing": {r.data.code: files for r, files in result.missing},
        "withheld": [{"kind": c.kind, "code": c.code, "missing": files} for c, files in result.withheld],
        "previous": [d.isoformat() for d in run.previous],
        "message": {
            "key": message.key,
            "newly_recorded": delivery.recorded,
            "sent": len(delivery.sent),
            "failed": len(delivery.failed),
            "unknown": len(delivery.unknown),  # no answer in time: held, not resent
        },
    }
    fail_if_undelivered(delivery, "通知", result_dict)
    return result_dict


def _candidate_rows(result: FinalReview) -> list[dict]:
    return [
        {"候选类型": c.kind, "企业": f"{c.code} {c.who}", "功能分类": c.category, "推荐理由": c.explanation}
        for c in result.candidates
    ] or [{"候选类型": "—", "企业": "本次无企业满足全部条件", "功能分类": "—", "推荐理由": "—"}]


def _markdown(result: FinalReview, outputs: dict[str, str], as_of: datetime) -> str:
    lines = [
        f"## 价值创造行动总结评估（截至 {as_of.date()}）",
        "",
        "| 功能分类 | 企业数 | " + " | ".join(f"{y}年达成比例 | {y}年平均总分" for y in result.years) + " |",
        "|---|---|" + "---|---|" * len(result.years),
    ]
    for c in result.categories:
        cells = [
            f"{c.completion_share[y]:.1%} | {c.average_total[y]:.1f}"
            if c.completion_share[y] is not None and c.average_total[y] is not None
            else "— | —"
            for y in result.years
        ]
        lines.append(f"| {c.category} | {c.enterprises} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"候选 {len(result.candidates)} 个，缺报材料 {result.missing_files} 份（{len(result.missing)} 户），"
        f"数据缺失 {len(result.notes)} 项。",
        "",
        f"- 报告：`{outputs['html']}`",
        f"- 汇总表：`{outputs['xlsx']}`",
        f"- 公文稿：`{outputs['docx']}`",
    ]
    return "\n".join(lines)
