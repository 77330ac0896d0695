"""Campaign configuration (config/*.yaml): typed models, cross-field rules, Chinese error messages.

The YAML files are the single source of truth for the calendar and the enterprises; everything else
(flows, schedules, reminders, reports) derives from the `CampaignConfig` loaded here.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from datetime import date, time
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from campaign.errors import ConfigError, UnknownCode

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# libyaml's safe loader when PyYAML was built with it (10x faster: every command reads config/ first).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Category(StrEnum):
    COMMERCIAL_1 = "商业一类"
    COMMERCIAL_2 = "商业二类"
    PUBLIC_WELFARE = "公益类"


# 创标/达标 is not a label on a district enterprise: each enterprise names its 创标 subsidiaries in Attachment 1
# (二、对标目标), and the rest of its units are 达标. Configs written before say where the setting went.
RETIRED = {
    "tier": "企业名录中的 tier（创标/达标）已取消：创标企业是各企业在目标任务（附件1）“二、对标目标”中列明的子企业，"
    "请删除该字段",
    "stretch_bonus": "scoring.stretch_bonus（创标加分）已取消：方案没有加分规定，总分只按各行得分计算，请删除该项",
    "tiers": "final_review.exemplar.tiers 已取消：典范企业候选不再按创标/达标划分，请删除该项",
}


def _refuse_retired(data: object, *keys: str) -> object:
    if isinstance(data, dict):
        for key in keys:
            if key in data:
                raise ValueError(RETIRED[key])
    return data


class DeliverableKind(StrEnum):
    PLAN = "plan"
    TARGETS = "targets"
    TASK_LIST = "task_list"
    DEPLOYMENT_REPORT = "deployment_report"
    PROGRESS = "progress"
    COMPLETION = "completion"
    EVALUATION_REPORT = "evaluation_report"
    COMPLETION_FINAL = "completion_final"


FileKind = Literal["docx", "xlsx", "pdf"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CampaignInfo(_Strict):
    code: Annotated[str, Field(pattern=SLUG)]
    title: str
    issuer: str
    issue_date: date
    timezone: Literal["Asia/Shanghai"]
    notice_title: str
    contact: str = ""


class Phase(_Strict):
    id: Annotated[str, Field(pattern=SLUG)]
    name: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end < self.start:
            raise ValueError("结束日期早于开始日期")
        return self


class Deliverable(_Strict):
    id: Annotated[str, Field(pattern=SLUG, max_length=40)]
    title: str
    kind: DeliverableKind
    phase: str
    year: int = Field(ge=2023, le=2030)
    period: Annotated[str, Field(pattern=r"^\d{4}H[12]$")] | None = None
    opens_on: date
    due: date
    file_kinds: list[FileKind] = Field(min_length=1)
    char_limit: int | None = Field(default=None, gt=0)
    template: str | None = None

    @model_validator(mode="after")
    def _window(self) -> Deliverable:
        if self.due < self.opens_on:
            raise ValueError("截止日期（due）早于窗口开启日期（opens_on）")
        if self.kind is DeliverableKind.PROGRESS and self.period is None:
            raise ValueError("进展情况（progress）必须填写 period，如 2023H1")
        return self


class Indicator(_Strict):
    name: str
    unit: str
    direction: Literal["higher", "lower"]


class Contact(_Strict):
    name: str
    role: str = ""
    phone: str = ""
    email: str = ""


class Enterprise(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z0-9]{3,16}$")]
    name: str = Field(min_length=2)
    category: Category
    sample: bool = False
    contacts: list[Contact] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _no_tier(cls, data: object) -> object:
        return _refuse_retired(data, "tier")


class OverduePolicy(_Strict):
    """After the due date: one reminder every N working days, at most `max_reminders` of them."""

    every_working_days: int = Field(default=3, ge=1, le=30)
    max_reminders: int = Field(default=5, ge=0, le=50)


class EscalationPolicy(_Strict):
    """Overdue enterprises are listed to SASAC staff in one digest per run, never one message each."""

    recipient: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{2,64}$")] = "sasac"
    # A digest to a chat bot must stay readable; beyond this many lines it only gives counts.
    digest_max_lines: int = Field(default=200, ge=10, le=5000)
    # An overdue item is listed in this many digests; after that only in the first digest of each month.
    digests_before_monthly: int = Field(default=5, ge=1, le=1000)


class ReminderPolicy(_Strict):
    send_time: time = time(9, 0)
    # Calendar days before the due date (0 = the due day). A step on a non-working day moves to the
    # previous working day.
    before_due_days: list[Annotated[int, Field(ge=0, le=60)]] = Field(default=[7, 3, 1, 0], min_length=1)
    overdue: OverduePolicy = OverduePolicy()
    escalation: EscalationPolicy = EscalationPolicy()

    @field_validator("send_time", mode="before")
    @classmethod
    def _quoted_time(cls, value):
        # Unquoted 9:00 is a base-60 integer (540) in YAML 1.1; pydantic would read it as 00:09.
        if not isinstance(value, (str, time)):
            raise ValueError('发送时间应写成带引号的 "HH:MM"，如 "09:00"')
        return value

    @field_validator("before_due_days")
    @classmethod
    def _unique_days(cls, days: list[int]) -> list[int]:
        dupes = sorted(d for d, n in Counter(days).items() if n > 1)
        if dupes:
            raise ValueError(f"提前提醒的天数重复：{', '.join(map(str, dupes))}")
        return sorted(days, reverse=True)


class RuleConfig(_Strict):
    kind: Literal["proportional", "threshold", "lower_is_better", "manual"] = "proportional"
    floor: float = Field(default=0.0, ge=0, le=1)
    cap: float = Field(default=1.0, ge=1, le=3)
    # from_floor: 0 points at the floor rising linearly to full marks at 100%; ratio: points = completion
    scale: Literal["from_floor", "ratio"] = "from_floor"


class GradeBand(_Strict):
    min: float = Field(ge=0, le=100)
    name: str
    # share of the quantified targets (年度目标值) met that the grade also requires (达成比例)
    min_targets_met_share: float = Field(default=0.0, ge=0, le=1)


class CategoryScoring(_Strict):
    """分类施策 / 分类考核: how one 功能分类 is weighted (omitted keys fall back to the general weights)."""

    dimension_weights: dict[str, float] | None = None
    # relative weight of core-indicator rows inside their dimension (default 1 each), e.g. 利润总额: 0.5
    indicator_emphasis: dict[str, float] = {}

    @field_validator("dimension_weights", "indicator_emphasis")
    @classmethod
    def _non_negative(cls, weights: dict[str, float] | None) -> dict[str, float] | None:
        bad = [k for k, v in (weights or {}).items() if v < 0]
        if bad:
            raise ValueError(f"权重不能为负数：{', '.join(bad)}")
        return weights


class ScoringConfig(_Strict):
    dimension_weights: dict[str, float]
    default_rule: RuleConfig = RuleConfig()
    dimension_rules: dict[str, RuleConfig] = {}
    indicator_rules: dict[str, RuleConfig] = {}
    grades: list[GradeBand] = Field(min_length=1)
    categories: dict[Category, CategoryScoring] = {}

    @model_validator(mode="before")
    @classmethod
    def _no_bonus(cls, data: object) -> object:
        return _refuse_retired(data, "stretch_bonus")

    @field_validator("dimension_weights")
    @classmethod
    def _positive(cls, weights: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in weights.items() if v < 0]
        if bad:
            raise ValueError(f"权重不能为负数：{', '.join(bad)}")
        if sum(weights.values()) <= 0:
            raise ValueError("权重合计应大于 0")
        return weights

    def weights_for(self, category: str) -> tuple[dict[str, float], dict[str, float]]:
        """(dimension weights, indicator emphasis) for an enterprise of this 功能分类."""
        override = next((c for k, c in self.categories.items() if k.value == category), None)
        if override is None:
            return self.dimension_weights, {}
        return override.dimension_weights or self.dimension_weights, override.indicator_emphasis

    def rule_for(self, dimension: str, indicator: str | None = None) -> RuleConfig:
        if indicator and indicator in self.indicator_rules:
            return self.indicator_rules[indicator]
        return self.dimension_rules.get(dimension, self.default_rule)


class ExemplarRule(_Strict):
    """典范企业候选 (seed §三(三)二: 逐步推出一批价值创造的典范企业)."""

    grade: str = "优秀"  # required in every reviewed year
    min_indicators: int = Field(default=3, ge=1, le=6)  # core indicators whose gap to the benchmark closed enough

    @model_validator(mode="before")
    @classmethod
    def _no_tiers(cls, data: object) -> object:
        return _refuse_retired(data, "tiers")


class BenchmarkRule(_Strict):
    """价值创造标杆候选 (seed §三(三)二: 打造一批价值创造标杆)."""

    min_average_total: float = Field(default=85, ge=0, le=120)
    min_targets_met_share: float = Field(
        default=0.0, ge=0, le=1
    )  # share of quantified rows reaching target, every year
    require_evaluation_report: bool = True


class FinalReviewConfig(_Strict):
    years: list[int] = Field(default=[2023, 2024], min_length=1)
    gap_closed_threshold: float = Field(default=0.5, gt=0, le=1)
    exemplar: ExemplarRule = ExemplarRule()
    benchmark: BenchmarkRule = BenchmarkRule()
    # 专项督导: enterprises graded one of these in any reviewed year (the grade already weighs the total and
    # the share of quantified targets met), or with a year not scored or its completion not filed
    supervision_grades: list[str] = Field(default=["合格", "不合格"])


class AssessmentDate(_Strict):
    year: int
    run_on: date  # the working day the campaign clock scores the year (after that year's completion report is due)


class HalfYearConfig(_Strict):
    # Half a year in, an enterprise averaging less than this share of its annual targets is listed for attention.
    attention_below: float = Field(default=0.4, gt=0, le=1)


class ClockConfig(_Strict):
    """Dates the campaign clock needs that are not a deliverable's window (see campaign/clock_plan.py)."""

    assessments: list[AssessmentDate] = Field(default_factory=list)
    # The final review runs on the first working day after the last due date of the deliverables it uses, plus
    # this many working days (campaign/calendar/plan.py final_review_day), so no enterprise is still told to file.
    final_review_grace_days: int = Field(default=2, ge=0, le=30)


class WebConfig(_Strict):
    """The enterprise portal (campaign/web): where its links point and how long they live."""

    # The address enterprises open; every notice, reminder, receipt and rejection carries a link under it.
    base_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")] = "http://127.0.0.1:8000"
    link_days: int = Field(default=180, ge=1, le=730)  # a personal link's life (wall clock)
    session_hours: int = Field(default=8, ge=1, le=72)  # a sign-in's life
    signin_per_minute: int = Field(default=10, ge=1, le=1000)  # sign-in attempts per client address
    # The SASAC console: a staff session also ends after this long without a request (a desk left open).
    staff_idle_minutes: int = Field(default=30, ge=5, le=480)


class CampaignConfig(_Strict):
    campaign: CampaignInfo
    phases: list[Phase] = Field(min_length=1)
    deliverables: list[Deliverable] = Field(min_length=1)
    benchmark_dimensions: list[str] = Field(min_length=1)
    core_indicators: list[Indicator] = Field(min_length=1)
    enterprises: list[Enterprise] = Field(min_length=1)
    scoring: ScoringConfig
    # Optional so that older config files keep loading; the defaults are the issue's policy.
    reminders: ReminderPolicy = ReminderPolicy()
    final_review: FinalReviewConfig = FinalReviewConfig()
    clock: ClockConfig = ClockConfig()
    half_year: HalfYearConfig = HalfYearConfig()
    web: WebConfig = WebConfig()

    @field_validator("phases")
    @classmethod
    def _phases_in_order(cls, phases: list[Phase]) -> list[Phase]:
        for earlier, later in pairwise(phases):
            if later.start <= earlier.end:
                raise ValueError(f"阶段 {later.id} 的开始日期应晚于阶段 {earlier.id} 的结束日期")
        return phases

    @model_validator(mode="after")
    def _cross_references(self) -> CampaignConfig:
        problems: list[str] = []
        for label, ids in (
            ("phases", [p.id for p in self.phases]),
            ("deliverables", [d.id for d in self.deliverables]),
            ("enterprises", [e.code for e in self.enterprises]),
        ):
            dupes = sorted(k for k, n in Counter(ids).items() if n > 1)
            if dupes:
                problems.append(f"{label} 中的编号重复：{', '.join(dupes)}")
        dims = set(self.benchmark_dimensions)
        checked: list[tuple[str, Mapping[str, object]]] = [
            ("scoring.dimension_weights", self.scoring.dimension_weights),
            ("scoring.dimension_rules", self.scoring.dimension_rules),
            *(
                (f"scoring.categories.{k.value}.dimension_weights", c.dimension_weights or {})
                for k, c in self.scoring.categories.items()
            ),
        ]
        for where, names in checked:
            unknown = sorted(set(names) - dims)
            if unknown:
                problems.append(f"{where}：不是对标维度：{', '.join(unknown)}")
        unknown = sorted(set(self.scoring.indicator_rules) - {i.name for i in self.core_indicators})
        if unknown:
            problems.append(f"scoring.indicator_rules：不是核心指标：{', '.join(unknown)}")
        for key, override in self.scoring.categories.items():
            unknown = sorted(set(override.indicator_emphasis) - {i.name for i in self.core_indicators})
            if unknown:
                where = f"scoring.categories.{key.value}.indicator_emphasis"
                problems.append(f"{where}：不是核心指标：{', '.join(unknown)}")
        grades = {g.name for g in self.scoring.grades}
        if self.final_review.exemplar.grade not in grades:
            problems.append(
                f"final_review.exemplar.grade：“{self.final_review.exemplar.grade}”不是 scoring.grades 中的等级（"
                f"可选：{'、'.join(sorted(grades))}）"
            )
        for name in self.final_review.supervision_grades:
            if name not in grades:
                choices = "、".join(sorted(grades))
                where = "final_review.supervision_grades"
                problems.append(f"{where}：“{name}”不是 scoring.grades 中的等级（可选：{choices}）")
        for year in self.final_review.years:
            if not any(d.kind is DeliverableKind.COMPLETION and d.year == year for d in self.deliverables):
                problems.append(f"final_review.years：{year} 年度没有完成情况（completion）报送材料")
        phase_ids = {p.id for p in self.phases}
        for i, d in enumerate(self.deliverables):
            if d.phase not in phase_ids:
                problems.append(f"deliverables[{i}].phase：阶段“{d.phase}”未在 phases 中定义（{d.id}）")
            if d.opens_on < self.campaign.issue_date:
                problems.append(f"deliverables[{i}].opens_on：早于方案印发日期 {self.campaign.issue_date}（{d.id}）")
        problems += self._clock_problems()
        if problems:
            raise ValueError("；".join(problems))
        return self

    def _clock_problems(self) -> list[str]:
        problems = []
        for i, a in enumerate(self.clock.assessments):
            completion = [d for d in self.deliverables if d.kind is DeliverableKind.COMPLETION and d.year == a.year]
            if not completion:
                problems.append(f"clock.assessments[{i}].year：{a.year} 年度没有完成情况（completion）报送材料")
            elif a.run_on <= completion[0].due:
                problems.append(
                    f"clock.assessments[{i}].run_on：{a.run_on} 应晚于{completion[0].title}的截止日 {completion[0].due}"
                )
        return problems

    # -- lookups used across the code base -------------------------------------------------
    def deliverable(self, deliverable_id: str) -> Deliverable:
        for d in self.deliverables:
            if d.id == deliverable_id:
                return d
        raise UnknownCode(f"未知的报送材料编号：{deliverable_id}")

    def enterprise(self, code: str) -> Enterprise:
        for e in self.enterprises:
            if e.code == code:
                return e
        raise UnknownCode(f"未知的企业代码：{code}")

    def phase(self, phase_id: str) -> Phase:
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise UnknownCode(f"未知的阶段：{phase_id}")

    def deliverables_of_phase(self, phase_id: str) -> list[Deliverable]:
        return [d for d in self.deliverables if d.phase == phase_id]


# --- loading ----------------------------------------------------------------------------------

_MESSAGES_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（是否拼写错误？）",
    "string_pattern_mismatch": "格式不符合要求",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "too_short": "至少需要一项",
    "date_from_datetime_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_type": "不是有效日期（应为 YYYY-MM-DD）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "greater_than": "应大于 0",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "model_type": "应为键值对象",
    "string_type": "应为文本",
    "time_parsing": '不是有效时间（应为 "HH:MM"）',
    "time_type": '不是有效时间（应为 "HH:MM"）',
}

_SOURCE_OF_KEY = {"enterprises": "enterprises.yaml"}


def _loc_text(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def format_validation_error(exc: ValidationError, raw: dict) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        top = loc[0] if loc else ""
        source = _SOURCE_OF_KEY.get(str(top), "campaign.yaml")
        where = _loc_text(loc) or "（整体）"
        if err["type"] == "value_error":
            message = str(err.get("ctx", {}).get("error", err["msg"]))
        else:
            message = _MESSAGES_ZH.get(err["type"], err["msg"])
            if err["type"] in ("literal_error", "enum") and "expected" in err.get("ctx", {}):
                message += "（可选：" + str(err["ctx"]["expected"]).replace(" or ", "、") + "）"
        value = err.get("input")
        shown = "" if err["type"] == "missing" or isinstance(value, (dict, list)) else f"，当前值：{value!r}"
        problems.append(f"{source} 中 {where}：{message}{shown}")
    return problems


def read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError([f"找不到配置文件 {path}"])
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path.name} 不是有效的 YAML：{exc}"]) from exc
    if not isinstance(data, dict):
        raise ConfigError([f"{path.name} 的顶层应为键值对象"])
    return data


def parse_config(raw: dict) -> CampaignConfig:
    try:
        return CampaignConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, raw)) from None


# One version kept: (directory, digest of its two files' bytes) -> the parsed config. Keyed by content, not
# by modification time: a file rewritten within the clock's granularity (a few ms) with the same size
# must still be read again. Reading the bytes is cheap next to parsing; the models are frozen, so one
# object is shared safely (and the calendar's cache in plan.py, keyed by the object, keeps its hits).
_LOADED: dict[tuple[str, bytes], CampaignConfig] = {}


def load_config(config_dir: Path | None = None) -> CampaignConfig:
    """The configuration in `config_dir`, parsed once per version of its files: one run asks for it in
    several steps, and 10,000 enterprises take seconds to parse and validate each time."""
    if config_dir is None:
        from campaign.config.settings import get_settings

        config_dir = get_settings().config_dir
    files = (config_dir / "campaign.yaml", config_dir / "enterprises.yaml")
    try:
        version: tuple[str, bytes] | None = (
            str(config_dir.resolve()),
            hashlib.sha256(b"\0".join(f.read_bytes() for f in files)).digest(),
        )
    except OSError:  # a missing file: read_yaml below says which, in Chinese
        version = None
    if version is not None and version in _LOADED:
        return _LOADED[version]
    config = _load_config(config_dir)
    if version is not None:
        _LOADED.clear()  # one version kept: an edited file is read again
        _LOADED[version] = config
    return config


def _load_config(config_dir: Path) -> CampaignConfig:
    raw = read_yaml(config_dir / "campaign.yaml")
    enterprises = read_yaml(config_dir / "enterprises.yaml")
    overlap = set(raw) & set(enterprises)
    if overlap:
        raise ConfigError([f"enterprises.yaml 与 campaign.yaml 重复定义了：{', '.join(sorted(overlap))}"])
    return parse_config({**raw, **enterprises})
