"""年度考核 (seed §三(二)二, §三(三)一): score the year's lists, let SASAC review in the Prefect UI, finalise.

The review is a pause with a typed form (`AssessmentReview`): approve, or adjust named scores with a
reason. The same adjustments can be imported beforehand from the scoring sheet (`campaign scores import`).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import flow, pause_flow_run
from prefect.exceptions import FlowPauseTimeout
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from campaign.assessment.rules import Adjustment
from campaign.calendar.clock import AsOfParam, resolve_as_of
from campaign.errors import ReviewTimeout
from campaign.reports import markdown as md
from tasks.artifacts import publish_summary, publish_table
from tasks.assessment import ScoredYear, finalize_year, score_year
from tasks.db import prepare_database
from tasks.notify import fail_if_undelivered, notify_all
from tasks.results import result_notices

WEEK = 7 * 24 * 3600


class ScoreAdjustmentInput(BaseModel):
    """一项得分调整。"""

    # Titles are what the Prefect UI shows as field labels (it falls back to the English field name).
    enterprise: str = Field(title="企业代码", min_length=1, description="如 DDK001（评分表“企业代码”列）")
    row_no: int = Field(title="行号", description="清单行号（评分表“行号”列）")
    score: float = Field(title="调整后得分", ge=0, description="该行调整后的得分（不是增减量）")
    reason: str = Field(title="调整理由", min_length=1, description="必填，记入审计")


class AssessmentReview(RunInput):
    """区国资委审核：批准定稿，或逐项调整得分并说明理由。"""

    reviewer: str = Field(title="审核人", min_length=1, description="填写审核人姓名（记入审计和考核结果）")
    approve: bool = Field(
        default=True, title="批准定稿", description="打开：按调整后的得分定稿；关闭：保留评分、暂不定稿"
    )
    adjustments: list[ScoreAdjustmentInput] = Field(
        default_factory=list,
        title="得分调整",
        description="需要调整的得分，每项一行（点“Add item”添加）；无需调整则留空",
    )


def review_description(year: int, scored: ScoredYear) -> str:
    """The Markdown the Prefect UI shows above the review form: what is being reviewed and where to look."""
    pending = [f"{code}（{'、'.join(labels)}）" for code, labels in scored.pending_manual.items()]
    lines = [
        f"### {year} 年度考核审核",
        f"自动计分已完成（{len(scored.auto_totals)} 户企业），各企业自动得分见本运行的 Artifacts。",
        f"评分表（逐行得分，含“企业代码”“行号”列）：`{scored.scoring_sheet}`",
        "",
        "填写审核人；需要调整的得分逐项添加（企业代码、行号、调整后得分、理由），然后点 Submit。"
        "定性指标须在此评定（或事先用 `campaign scores import` 导入评分表），否则不能定稿。",
    ]
    if pending:
        lines += ["", "**待评定的定性指标**（按清单序号；对应行号见评分表）：" + "；".join(pending)]
    return "\n".join(lines)


def review_key(year: int) -> str:
    return f"assessment-{year}"


@flow(
    name="annual-assessment",
    description="年度考核：按区国资委设定的计分规则为各企业目标任务清单自动计分，暂停等待区国资委在 UI 中审核调整，"
    "定稿后计算总分、功能分类内排名和等级，输出经营业绩考核挂钩表和各企业考核结果清单。",
)
def annual_assessment(
    year: int,
    as_of: AsOfParam = None,
    review_timeout_seconds: int = WEEK,
    review_poll_seconds: int = 10,
    approve_as: str | None = None,
) -> dict:
    """`approve_as`: finalise without pausing, with this name as the reviewer (rehearsals and simulations)."""
    as_of = resolve_as_of(as_of)
    prepare_database()
    scored = score_year(year, as_of, flow_run.get_id())
    if scored.status == "final":
        return {"status": "final", "year": year, "message": f"{year} 年度考核已定稿，本次未做任何改动"}
    publish_table(
        f"assessment-{year}-auto-scores",
        {"code": "企业", "total": "自动得分", "manual": "待评定定性行", "source": "数据来源"},
        [
            {
                "code": code,
                "total": total,
                "manual": "、".join(scored.pending_manual.get(code, [])) or None,
                "source": scored.sources[code],
            }
            for code, total in scored.auto_totals.items()
        ],
        f"{year}年度考核自动评分（待审核）。评分表：{scored.scoring_sheet}",
    )
    if approve_as:
        review = AssessmentReview(reviewer=approve_as, approve=True)
    else:
        review = _wait_for_review(year, review_description(year, scored), review_timeout_seconds, review_poll_seconds)
    if not review.approve:
        return {
            "status": "awaiting_review",
            "year": year,
            "message": f"{review.reviewer} 未批准定稿；评分已保存，可重新运行考核",
        }
    adjustments = [Adjustment(a.enterprise, a.row_no, a.score, a.reason) for a in review.adjustments]
    final = finalize_year(year, adjustments, review.reviewer, as_of)
    delivery = notify_all(result_notices(year, final.results, as_of), as_of)  # 向各企业通报考核结果
    publish_summary(
        f"assessment-{year}-final",
        f"{year}年度考核结果（已定稿，审核人：{final.reviewer}）",
        as_of.date().isoformat(),
        {"参加考核企业（户）": len(final.results), "得分调整（项）": final.changes},
        sections=[
            (
                "考核结果",
                md.table(
                    {
                        "code": "企业代码",
                        "name": "企业名称",
                        "category": "功能分类",
                        "total": "总分",
                        "rank": "分类排名",
                        "grade": "等级",
                    },
                    [asdict(r) for r in final.results],
                ),
            )
        ],
        links={
            "经营业绩考核挂钩表": Path(final.outputs.linkage).as_uri(),
            "HTML 报告": Path(final.outputs.html).as_uri(),
        },
    )
    fail_if_undelivered(delivery, "考核结果通知", asdict(final))
    return asdict(final)  # what the UI and the CLI show: plain JSON


def _wait_for_review(year: int, description: str, timeout: int, poll: int) -> AssessmentReview:
    try:
        return pause_flow_run(
            wait_for_input=AssessmentReview.with_initial_data(description=description),
            timeout=timeout,
            poll_interval=poll,
            key=review_key(year),
        )
    except FlowPauseTimeout:
        raise ReviewTimeout(
            f"等待区国资委审核 {year} 年度考核超时（{timeout} 秒）。自动评分已保存；"
            f"可用 campaign scores import 导入评分表后重新运行 campaign assess {year}。"
        ) from None
