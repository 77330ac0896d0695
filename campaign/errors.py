"""The one error hierarchy: every exception the project raises on purpose is a `CampaignError`.

Its message is for a person (Chinese): what happened, then what to do. Errors from libraries are
translated where they enter (`raise ConfigError(...) from exc`); `campaign`'s main() prints a
CampaignError's message and exits with its `exit_code`, and the Prefect UI shows the same text when
a flow run fails on one.
"""

from __future__ import annotations

from collections.abc import Sequence


class CampaignError(Exception):
    """Base of every error the project raises on purpose; str() is the message for the user."""

    exit_code = 1


class ConfigError(CampaignError, ValueError):
    """A configuration problem, phrased for SASAC staff, naming file and field."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("配置文件有误：\n" + "\n".join(f"  - {p}" for p in problems))


class CalendarUnavailable(ConfigError):
    """The official calendar for a year is not published in the installed chinesecalendar."""

    def __init__(self, message: str):
        self.problems = [message]
        CampaignError.__init__(self, message)


class DatabaseUnavailable(CampaignError):
    """The campaign database cannot be opened or reached (URL, server, permissions)."""

    exit_code = 2


class InvalidRequest(CampaignError, ValueError):
    """What was asked does not fit the campaign: a date before a window opens, an unknown code, a bad value."""

    exit_code = 2


class UnknownCode(InvalidRequest, KeyError):
    """An enterprise, deliverable or phase code that the configuration does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InvalidFile(CampaignError, ValueError):
    """A file a person filled in (a scoring sheet) that cannot be read as what it claims to be."""

    exit_code = 3


class ScoringSheetError(InvalidFile):
    """Problems in an imported scoring sheet, listed; nothing from the sheet is applied."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("评分表有误，未导入任何调整：\n" + "\n".join(f"  - {p}" for p in problems))


class ActionRequired(CampaignError):
    """A failure someone must act on. The message reads: problem, details, 处理办法 (what to do)."""

    def __init__(self, problem: str, action: str, details: Sequence[str] = (), limit: int = 20):
        self.problem, self.action, self.details = problem, action, list(details)
        lines = [problem]
        lines += [f"  - {d}" for d in self.details[:limit]]
        if len(self.details) > limit:
            lines.append(f"  - ……另有 {len(self.details) - limit} 条，见本次运行的产出物（Artifacts）")
        lines.append(f"处理办法：{action}")
        super().__init__("\n".join(lines))


class AssessmentError(CampaignError):
    """The annual assessment cannot go on in its current state (e.g. already finalised)."""


class AdjustmentError(AssessmentError, ValueError):
    """A reviewer's score adjustment that cannot be applied (unknown row, score out of range)."""


class ReviewTimeout(AssessmentError):
    """Nobody reviewed a paused assessment within its timeout; the automatic scores stay saved."""


class DeliveryFailed(ActionRequired):
    """Some messages could not be delivered; they stay recorded and the next run retries them.

    `failed` maps each message key to its redacted error; `summary` is the run's report, so a caller
    (the CLI) can still show what did go out."""

    def __init__(self, problem: str, action: str, failed: dict[str, str], summary: object = None):
        self.failed = dict(failed)
        self.summary = summary
        super().__init__(problem, action, [f"{k}: {v}" for k, v in self.failed.items()])


class StackError(CampaignError):
    """A start-up problem of the local stack, phrased for the operator: what failed and what to do."""
