"""Errors that reach people (flow-run failures in the Prefect UI, CLI): what happened, then what to do."""
from __future__ import annotations

from collections.abc import Sequence


class ActionRequired(RuntimeError):
    """A failure someone must act on. The message reads: problem, details, 处理办法 (what to do)."""

    def __init__(self, problem: str, action: str, details: Sequence[str] = (), limit: int = 20):
        self.problem, self.action, self.details = problem, action, list(details)
        lines = [problem]
        lines += [f"  - {d}" for d in self.details[:limit]]
        if len(self.details) > limit:
            lines.append(f"  - ……另有 {len(self.details) - limit} 条，见本次运行的产出物（Artifacts）")
        lines.append(f"处理办法：{action}")
        super().__init__("\n".join(lines))
