"""Open next year's 目标任务 and 目标任务清单: pre-filled lists and blank Attachment 1 per enterprise; and, once last
year's 完成情况 is accepted, the list again with 企业现状 = last year's actual and the gap recomputed."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.session import session_scope
from campaign.documents.generate import write_document
from campaign.errors import InvalidRequest
from campaign.next_year.outputs import build_next_year_list
from campaign.next_year.store import any_list_to_refresh, lists_being_compiled, lists_to_refresh, prior_rows
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message
from campaign.notices.rules import actuals_notice_key, cycle_notice_key
from campaign.outgoing.store import save_atomically
from campaign.submissions.store import deliverable_code


def _deliverable(config, kind: str, year: int):
    found = next((d for d in config.deliverables if d.kind == kind and d.year == year), None)
    if found is None:
        raise InvalidRequest(
            f"配置中没有 {year} 年度的{'目标任务清单' if kind == 'task_list' else '目标任务'}，无法开启新年度编制"
        )
    return found


@task(name="prepare-next-year")
def prepare_next_year(year: int, as_of: datetime) -> list[OutgoingMessage]:
    config = load_config()
    task_list, targets = _deliverable(config, "task_list", year), _deliverable(config, "targets", year)
    completion = config.deliverable(deliverable_code(config, "completion", year - 1) or "")
    home = get_settings().home_dir
    with session_scope() as session:
        prior = prior_rows(session, config, year, as_of)
    messages = []
    for enterprise in config.enterprises:
        rows = prior.rows.get(enterprise.code, [])
        list_path = home / "outgoing" / task_list.id / f"{enterprise.code}_{task_list.id}.xlsx"
        save_atomically(build_next_year_list(config, enterprise, task_list, rows, year - 1), list_path)
        targets_path = write_document(enterprise, targets, home / "outgoing" / targets.id)
        title, body = render_message(
            "notice_next_year",
            issuer=config.campaign.issuer,
            campaign_title=config.campaign.title,
            enterprise=enterprise,
            year=year,
            due=max(task_list.due, targets.due),
            deliverables=[targets, task_list],
            carried=len(rows),
            scored=prior.scored,
            actuals_in=enterprise.code in prior.completions,
            completion=completion,
            list_name=list_path.name,
            targets_name=targets_path.name,
            as_of=as_of.date(),
        )
        messages.append(
            OutgoingMessage(
                cycle_notice_key(year, enterprise.code),
                "notice",
                enterprise.code,
                title,
                body,
                enterprise.code,
                task_list.id,
            )
        )
    return messages


@task(name="refresh-next-year-lists")
def refresh_next_year_lists(as_of: datetime) -> list[OutgoingMessage]:
    """For each year whose list is being compiled (its cycle notice sent, its deadline not passed): every enterprise
    whose previous-year 完成情况 was accepted after that notice gets its list regenerated with 企业现状 = the actual
    and the gap recomputed, and one message saying so (per accepted version; nothing when already told)."""
    config = load_config()
    home = get_settings().home_dir
    messages: list[OutgoingMessage] = []
    for task_list, completion_id in lists_being_compiled(config, as_of):
        year = task_list.year
        completion = config.deliverable(completion_id)
        with session_scope() as session:
            pending = lists_to_refresh(session, year, completion_id, as_of)
            if not pending:
                continue
            prior = prior_rows(session, config, year, as_of)
        for enterprise in (e for e in config.enterprises if e.code in pending):
            rows = prior.rows.get(enterprise.code, [])
            list_path = home / "outgoing" / task_list.id / f"{enterprise.code}_{task_list.id}.xlsx"
            save_atomically(build_next_year_list(config, enterprise, task_list, rows, year - 1), list_path)
            title, body = render_message(
                "notice_next_year_actuals",
                issuer=config.campaign.issuer,
                enterprise=enterprise,
                year=year,
                completion=completion,
                version=pending[enterprise.code],
                task_list=task_list,
                carried=len(rows),
                list_name=list_path.name,
                as_of=as_of.date(),
            )
            messages.append(
                OutgoingMessage(
                    actuals_notice_key(year, enterprise.code, pending[enterprise.code]),
                    "notice",
                    enterprise.code,
                    title,
                    body,
                    enterprise.code,
                    task_list.id,
                )
            )
    return messages


@task(name="lists-awaiting-refresh")
def lists_awaiting_refresh(as_of: datetime) -> bool:
    """Whether some enterprise's list awaits regeneration from an accepted 完成情况 (e.g. one filed on the portal)."""
    with session_scope() as session:
        return any_list_to_refresh(session, load_config(), as_of)
