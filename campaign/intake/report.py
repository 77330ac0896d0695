"""What an intake run did, for people: rows of the Prefect table artifact and a markdown summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from campaign.reports.excel import safe_cell

if TYPE_CHECKING:
    from campaign.intake.core import Outcome

STATUS_ZH = {"accepted": "已接收", "rejected": "已退回"}


def artifact_rows(outcomes: Sequence[Outcome]) -> list[dict]:
    return [
        {
            "文件": safe_cell(o.name),
            "企业": o.enterprise or "未能识别",
            "材料": o.deliverable or "未能识别",
            "结果": STATUS_ZH[o.status] + ("（重复文件，未新增版本）" if o.duplicate else ""),
            "版本": o.version or "—",
            "按时": "—" if o.on_time is None else ("是" if o.on_time else "逾期"),
            "问题": "；".join(p["code"] for p in o.problems) or "—",
        }
        for o in outcomes
    ]


def summary_markdown(
    summary: dict, outcomes: Sequence[Outcome], errors: dict[str, str], skipped: dict[str, str] | None = None
) -> str:
    lines = [
        f"## 接收报送（as_of {summary['as_of'][:10]}）",
        "",
        f"收件箱文件 {summary['files']} 个：新接收 {summary['accepted']} 个，退回 {summary['rejected']} 个，"
        f"重复文件 {summary['duplicates']} 个，处理出错 {summary['errors']} 个，跳过（另一进程正在处理）"
        f"{summary.get('skipped', 0)} 个；通知发送 {summary['sent']} 条，"
        f"失败 {summary['failed']} 条。",
    ]
    if summary.get("refreshed"):
        lines.append(f"已按新收到的进展情况重新生成半年汇总：{'、'.join(summary['refreshed'])}。")
    if summary.get("lists_regenerated"):
        lines.append(f"已按新接收的完成情况重新生成新年度目标任务清单并通知企业：{summary['lists_regenerated']} 户。")
    rejected = [o for o in outcomes if not o.accepted and not o.duplicate]
    if rejected:
        lines += ["", "### 退回原因", ""]
        for o in rejected:
            lines.append(
                f"- {safe_cell(o.name)}（{o.enterprise or '未能识别'}）：" + "；".join(p["message"] for p in o.problems)
            )
    if skipped:
        lines += ["", "### 跳过的文件（仍在收件箱，由持有它的进程处理）", ""]
        lines += [f"- {safe_cell(name)}：{why}" for name, why in skipped.items()]
    if errors:
        lines += ["", "### 处理出错（文件仍在收件箱，修复后重新运行）", ""]
        lines += [f"- {name}：{error}" for name, error in errors.items()]
    return "\n".join(lines)
