"""prefect.yaml agrees with the code (entrypoints import, parameters validate) and with config/ (dates)."""

from __future__ import annotations

import importlib
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import yaml
from prefect import Flow

from campaign.config.model import load_config
from campaign.config.settings import REPO_ROOT

SPEC = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
DEPLOYMENTS = {d["name"]: d for d in SPEC["deployments"]}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _flow(entrypoint: str) -> Flow:
    path, func = entrypoint.split(":")
    assert (REPO_ROOT / path).is_file(), f"entrypoint file {path} is missing"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    obj = getattr(module, func)
    assert isinstance(obj, Flow), f"{entrypoint} is not a Prefect flow"
    return obj


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_entrypoint_imports_and_parameters_validate(name):
    spec = DEPLOYMENTS[name]
    flow = _flow(spec["entrypoint"])
    assert flow.name == name, "deployment and flow share one name, so `campaign run NAME` and the UI agree"
    flow.validate_parameters(spec.get("parameters") or {})
    assert CJK.search(spec["description"]), "descriptions are read by SASAC staff: write them in Chinese"


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_runs_on_the_documented_process_pool_one_at_a_time(name):
    spec = DEPLOYMENTS[name]
    assert spec["work_pool"]["name"] == "campaign-pool"
    assert "campaign-pool" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    # Every flow here writes the campaign database; overlapping runs of one deployment only race.
    assert spec["concurrency_limit"]["limit"] == 1
    assert spec["concurrency_limit"]["collision_strategy"] == "ENQUEUE"


def test_every_registered_flow_is_deployed():
    from flows.registry import flows

    missing = sorted(set(flows()) - set(DEPLOYMENTS))
    assert not missing, f"flows without a deployment in prefect.yaml: {missing}"


def test_schedules_are_valid_and_in_beijing_time():
    from prefect.client.schemas.schedules import construct_schedule

    for name, spec in DEPLOYMENTS.items():
        for sched in spec.get("schedules") or []:
            assert sched["timezone"] == "Asia/Shanghai", name
            fields = {k: v for k, v in sched.items() if k in ("cron", "rrule", "interval", "timezone")}
            if "rrule" in fields:
                from prefect.client.schemas.schedules import RRuleSchedule

                RRuleSchedule(**fields)
            else:
                construct_schedule(**fields)


def test_only_campaign_tick_carries_a_schedule():
    """One owner per schedule: every other deployment is for manual runs, or the same work runs twice a day."""
    scheduled = sorted(name for name, spec in DEPLOYMENTS.items() if spec.get("schedules"))
    assert scheduled == ["campaign-tick"]


def test_the_clock_runs_the_deployment_notice_on_its_issue_date_and_names_the_due_date():
    from campaign.calendar.plan import plan_day

    config = load_config()
    steps = plan_day(config, config.campaign.issue_date)
    assert "deployment" in [s.name for s in steps]
    spec = DEPLOYMENTS["deployment-phase"]
    due = max(d.due for d in config.deliverables if d.phase == "deployment")
    assert config.campaign.issue_date.isoformat() in spec["description"]
    assert due.isoformat() in spec["description"]


def test_a_bare_date_from_a_deployment_run_means_nine_in_the_morning_beijing_time():
    # Deployment runs hand the flow strings; "2023-05-12" must not become midnight.
    flow = _flow(DEPLOYMENTS["deployment-phase"]["entrypoint"])
    params = flow.validate_parameters({"as_of": "2023-05-12"})
    assert params["as_of"] == datetime(2023, 5, 12, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert params["as_of"].date() == date(2023, 5, 12)
    assert flow.validate_parameters({})["as_of"] is None


def test_workers_find_the_code_through_the_pull_step():
    (step,) = SPEC["pull"]
    assert step == {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $CAMPAIGN_REPO }}"}}


def _daily_time(spec: dict) -> time:
    from prefect.client.schemas.schedules import construct_schedule

    (sched,) = spec["schedules"]
    schedule = construct_schedule(cron=sched["cron"], timezone=sched["timezone"])
    minute, hour, dom, month, dow = schedule.cron.split()
    assert (dom, month, dow) == ("*", "*", "*"), "a daily schedule"
    return time(int(hour), int(minute))


@pytest.mark.parametrize("name", ["campaign-tick"])
def test_daily_flows_run_at_the_configured_send_time(name):
    # Reminders only go out after reminders.send_time; a clock that ran earlier would send nothing.
    assert _daily_time(DEPLOYMENTS[name]) == load_config().reminders.send_time


def test_campaign_tick_description_names_the_configured_dates():
    config = load_config()
    description = DEPLOYMENTS["campaign-tick"]["description"]
    assert config.campaign.issue_date.isoformat() in description
    assert "clock.assessments" in description and "clock.final_review_grace_days" in description


def test_every_date_in_prefect_yaml_is_a_config_date():
    """Any YYYY-MM-DD or rrule DTSTART written in prefect.yaml must be a date config/ knows about."""
    config = load_config()
    known = {
        config.campaign.issue_date,
        *(d.due for d in config.deliverables),
        *(d.opens_on for d in config.deliverables),
        *(a.run_on for a in config.clock.assessments),
    }
    text = (REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8")
    found = {date.fromisoformat(d) for d in re.findall(r"\b(20\d\d-\d\d-\d\d)\b", text)}
    found |= {date(int(y), int(mo), int(d)) for y, mo, d in re.findall(r"DTSTART:(\d{4})(\d\d)(\d\d)T", text)}
    assert found, "prefect.yaml names the campaign's dates"
    assert found <= known, f"dates in prefect.yaml that config does not have: {sorted(found - known)}"
