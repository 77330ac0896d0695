"""Each enterprise's own templates for the deliverables whose window opens (written to outgoing/<材料编号>/)."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from sqlalchemy import select

from campaign.config.model import load_config
from campaign.config.settings import get_settings
from campaign.db import models as m
from campaign.db.session import session_scope
from campaign.outgoing.rules import TemplateFile
from campaign.outgoing.store import template_file


@task(name="prepare-templates")
def prepare_templates(deliverable_ids: list[str], as_of: datetime) -> dict[str, dict[str, TemplateFile]]:
    """code -> deliverable id -> the template written for it, for every deliverable that has a template.

    Rewritten each time the window opens, so the file a notice names is the one on disk; a completion report is
    the enterprise's filed list of that year, as accepted by `as_of`."""
    config = load_config()
    home = get_settings().home_dir
    made: dict[str, dict[str, TemplateFile]] = {}
    with session_scope() as session:
        ids = dict(session.execute(select(m.Enterprise.code, m.Enterprise.id)).all())
        for deliverable in (config.deliverable(i) for i in deliverable_ids):
            if deliverable.template is None:
                continue
            for enterprise in config.enterprises:
                written = template_file(
                    session, config, home, enterprise, deliverable, ids[enterprise.code], as_of, refresh=True
                )
                if written is not None:
                    made.setdefault(enterprise.code, {})[deliverable.id] = written
    return made
