"""Open next year's 目标任务 and 目标任务清单: pre-filled lists and blank Attachment 1 per enterprise."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db.session import session_scope
from campaign.documents.generate import write_document
from campaign.errors import InvalidRequest
from campaign.next_year.outputs import build_next_year_list
from campaign.next_year.store import prior_rows
from campaign.notices.message import OutgoingMessage
from campaign.notices.render import render_message


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
    home = get_settings().home_dir
    with session_scope() as session:
        prior, scored = prior_rows(session, config, year, as_of)
    messages = []
    for enterprise in config.enterprises:
        rows = prior.get(enterprise.code, [])
        list_path = home / "outgoing" / task_list.id / f"{enterprise.code}_{task_list.id}.xlsx"
        list_path.parent.mkdir(parents=True, exist_ok=True)
        build_next_year_list(config, enterprise, task_list, rows, year - 1).save(list_path)
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
            scored=scored,
            list_name=list_path.name,
            targets_name=targets_path.name,
            as_of=as_of.date(),
        )
        messages.append(
            OutgoingMessage(
                f"notice:cycle-{year}:{enterprise.code}",
                "notice",
                enterprise.code,
                title,
                body,
                enterprise.code,
                task_list.id,
            )
        )
    return messages
