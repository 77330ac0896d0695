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
from tasks.assessment import complete_final_year, finalize_year, score_year
from tasks.db import prepare_database
from tasks.notify import fail_if_undelivered, notify_all
from tasks.results import result_notices

WEEK = 7 * 24 * 3600


class ScoreAdjustmentInput(BaseModel):
    enterprise: str = Field(description="企业代码，如 DDK001")
    row_no: int = Field(description="清单行号（评分表“行号”列）")
    score: float = Field(description="调整后得分")
    reason: str = Field(description="调整理由（必填，记入审计）")


class AssessmentReview(RunInput):
    """区国资委审核：批准定稿，或逐项调整得分并说明理由。"""

    reviewer: str = Field(description="审核人")
    approve: bool = Field(default=True, description="批准定稿（不批准则保留评分、暂不定稿）")
    adjustments: list[ScoreAdjustmentInput] = Field(default_factory=list, description="需要调整的得分（可为空）")


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
        # Finalised before, perhaps by a run killed right after: its reports and result notices are made
        # good (rewritten; recorded and sent if missing), nothing in the scores changes.
        final = complete_final_year(year, as_of)
        delivery = notify_all(result_notices(year, final.results, as_of), as_of)
        message = f"{year} 年度考核已定稿：得分和等级未改动；报告已重新生成，未发出的考核结果通知已补发"
        done = {"status": "final", "year": year, "message": message}
        fail_if_undelivered(delivery, "考核结果通知", done)
        return done
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
        review = _wait_for_review(year, review_timeout_seconds, review_poll_seconds)
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


def _wait_for_review(year: int, timeout: int, poll: int) -> AssessmentReview:
    try:
        return pause_flow_run(
            wait_for_input=AssessmentReview, timeout=timeout, poll_interval=poll, key=review_key(year)
        )
    except FlowPauseTimeout:
        raise ReviewTimeout(
            f"等待区国资委审核 {year} 年度考核超时（{timeout} 秒）。自动评分已保存；"
            f"可用 campaign scores import 导入评分表后重新运行 campaign assess {year}。"
        ) from None
