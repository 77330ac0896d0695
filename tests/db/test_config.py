"""The configuration is the calendar: its dates and limits come from the seed, its errors name the field."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
import yaml

from campaign.config.model import load_config, parse_config
from campaign.config.settings import REPO_ROOT
from campaign.errors import ConfigError


def raw_config() -> dict:
    raw = yaml.safe_load((REPO_ROOT / "config/campaign.yaml").read_text(encoding="utf-8"))
    raw.update(yaml.safe_load((REPO_ROOT / "config/enterprises.yaml").read_text(encoding="utf-8")))
    return raw


def test_campaign_facts_come_from_the_seed():
    config = load_config()
    assert config.campaign.issue_date == date(2023, 5, 12)
    assert config.campaign.timezone == "Asia/Shanghai"
    assert config.campaign.issuer == "大渡口区国有资产监督管理委员会"
    assert [(p.id, p.start, p.end) for p in config.phases] == [
        ("deployment", date(2023, 5, 1), date(2023, 5, 31)),
        ("implementation", date(2023, 6, 1), date(2024, 12, 31)),
        ("evaluation", date(2025, 1, 1), date(2025, 6, 30)),
    ]


def test_deployment_deliverables_due_2023_05_22_with_the_seeds_limits():
    config = load_config()
    deployment = {d.id: d for d in config.deliverables_of_phase("deployment")}
    assert set(deployment) == {"plan-2023", "targets-2023", "task-list-2023", "deployment-report-2023"}
    assert {d.due for d in deployment.values()} == {date(2023, 5, 22)}
    assert deployment["targets-2023"].char_limit == 1500
    assert deployment["deployment-report-2023"].char_limit == 500
    assert deployment["task-list-2023"].file_kinds == ["xlsx"]


def test_every_deliverable_the_seed_names_is_configured():
    config = load_config()
    ids = {d.id for d in config.deliverables}
    assert {"progress-2023h1", "progress-2023h2", "progress-2024h1", "progress-2024h2"} <= ids
    assert {"completion-2023", "targets-2024", "task-list-2024", "completion-2024"} <= ids
    assert {"evaluation-report-2025", "completion-final-2025"} <= ids
    for d in config.deliverables:
        phase = config.phase(d.phase)
        assert d.opens_on >= config.campaign.issue_date
        if d.kind == "progress":  # 半年结束后 15 日内
            half_end = date(int(d.period[:4]), 6, 30) if d.period.endswith("H1") else date(int(d.period[:4]), 12, 31)
            assert (d.due - half_end).days == 15, d.id
    assert config.deliverable("evaluation-report-2025").due == date(2025, 6, 30)
    assert config.deliverable("targets-2024").due.year == 2024 and phase


def test_sample_enterprises_cover_every_category():
    config = load_config()
    assert len(config.enterprises) >= 8
    assert all(e.sample and "示例" in e.name and e.contacts for e in config.enterprises)
    assert set(Counter(e.category.value for e in config.enterprises)) == {"商业一类", "商业二类", "公益类"}
    assert len(config.benchmark_dimensions) == 8
    assert [i.name for i in config.core_indicators] == [
        "利润总额",
        "净利润",
        "资产负债率",
        "净资产收益率",
        "全员劳动生产率",
        "营业现金比率",
    ]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r["deliverables"][1].__setitem__("due", "2023-13-01"),
            "campaign.yaml 中 deliverables[1].due：不是有效日期",
        ),
        (
            lambda r: r["enterprises"][0].__setitem__("category", "商业三类"),
            "enterprises.yaml 中 enterprises[0].category：取值不在允许范围内",
        ),
        (lambda r: r["deliverables"][0].__setitem__("dew", "2023-05-22"), "deliverables[0].dew：不认识的字段"),
        (
            lambda r: r["deliverables"][2].__setitem__("phase", "nope"),
            "deliverables[2].phase：阶段“nope”未在 phases 中定义",
        ),
        (
            lambda r: r["enterprises"][1].__setitem__("code", r["enterprises"][0]["code"]),
            "enterprises 中的编号重复：DDK001",
        ),
        (lambda r: r["deliverables"][3].__setitem__("char_limit", -5), "deliverables[3].char_limit：应大于 0"),
        (lambda r: r["campaign"].pop("issue_date"), "campaign.issue_date：缺少必填字段"),
        (
            lambda r: r["deliverables"][4].__setitem__("due", "2023-06-01"),
            "deliverables[4]：截止日期（due）早于窗口开启日期",
        ),
    ],
)
def test_config_errors_name_the_bad_field_in_chinese(mutate, expected):
    raw = raw_config()
    mutate(raw)
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert expected in str(info.value)


def test_missing_config_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(tmp_path)


def test_scoring_rules_resolve_by_indicator_then_dimension():
    scoring = load_config().scoring
    assert scoring.rule_for("企业效益", "资产负债率").kind == "lower_is_better"
    assert scoring.rule_for("企业效益", "利润总额").kind == "proportional"
    assert scoring.rule_for("企业文化").kind == "manual"
    assert scoring.rule_for("其他").floor == 0.6


def test_scoring_weight_for_an_unknown_dimension_is_named():
    raw = raw_config()
    raw["scoring"]["dimension_weights"]["企业效率"] = 5
    with pytest.raises(ConfigError, match="scoring.dimension_weights：不是对标维度：企业效率"):
        parse_config(raw)


@pytest.mark.parametrize(
    ("where", "value", "said"),
    [
        ("enterprise", {"tier": "创标"}, "企业名录中的 tier（创标/达标）已取消"),
        ("scoring", {"stretch_bonus": {"max_points": 5}}, "scoring.stretch_bonus（创标加分）已取消"),
        ("exemplar", {"tiers": ["创标"]}, "final_review.exemplar.tiers 已取消"),
    ],
)
def test_a_config_still_carrying_the_district_tier_says_where_it_went(where, value, said):
    raw = load_config().model_dump(mode="json")
    target = {
        "enterprise": raw["enterprises"][0],
        "scoring": raw["scoring"],
        "exemplar": raw["final_review"]["exemplar"],
    }[where]
    target.update(value)
    with pytest.raises(ConfigError, match=re.escape(said)):
        parse_config(raw)


def test_the_config_is_parsed_again_when_its_files_change_and_only_then(tmp_path):
    from campaign.cli.simulate import write_synthetic_config

    config_dir = write_synthetic_config(tmp_path / "config", 3, seed=1)
    first = load_config(config_dir)
    assert load_config(config_dir) is first  # unchanged files: the same (frozen) object, no second parse
    path = config_dir / "enterprises.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("模拟企业0001", "模拟企业0009"), encoding="utf-8")
    changed = load_config(config_dir)
    assert changed is not first
    assert changed.enterprise("SIM0001").name.startswith("模拟企业0009")
