"""Load the configuration into the database, idempotently (natural keys: codes and ids from config)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.config.model import CampaignConfig
from campaign.db import models as m


@dataclass(frozen=True)
class SyncReport:
    enterprises_added: int
    enterprises_deactivated: int
    deliverables_added: int


def _upsert(session: Session, model, lookup: dict, values: dict):
    row = session.scalars(select(model).filter_by(**lookup)).one_or_none()
    if row is None:
        row = model(**lookup, **values)
        session.add(row)
        session.flush()
        return row, True
    for name, value in values.items():
        setattr(row, name, value)
    return row, False


def sync_config(session: Session, config: CampaignConfig) -> SyncReport:
    info = config.campaign
    campaign, _ = _upsert(
        session,
        m.Campaign,
        {"code": info.code},
        {"title": info.title, "issuer": info.issuer, "issue_date": info.issue_date, "timezone": info.timezone},
    )
    phases = {}
    for p in config.phases:
        phases[p.id], _ = _upsert(
            session,
            m.Phase,
            {"campaign_id": campaign.id, "code": p.id},
            {"name": p.name, "start": p.start, "end": p.end},
        )
    deliverables_added = 0
    for d in config.deliverables:
        _, added = _upsert(
            session,
            m.Deliverable,
            {"code": d.id},
            {
                "phase_id": phases[d.phase].id,
                "title": d.title,
                "kind": d.kind.value,
                "year": d.year,
                "period": d.period,
                "opens_on": d.opens_on,
                "due": d.due,
                "file_kinds": list(d.file_kinds),
                "char_limit": d.char_limit,
                "template": d.template,
            },
        )
        deliverables_added += added
    # One query for all enterprises: a province-scale config has thousands of them.
    existing = {row.code: row for row in session.scalars(select(m.Enterprise))}
    enterprises_added = 0
    for e in config.enterprises:
        values = {
            "name": e.name,
            "category": e.category.value,
            "sample": e.sample,
            "active": True,
            "contacts": [c.model_dump() for c in e.contacts],
        }
        row = existing.get(e.code)
        if row is None:
            session.add(m.Enterprise(code=e.code, **values))
            enterprises_added += 1
        else:
            for name, value in values.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
    # An enterprise dropped from the config keeps its history; it just stops receiving anything.
    configured = {e.code for e in config.enterprises}
    deactivated = 0
    for code, row in existing.items():
        if row.active and code not in configured:
            row.active = False
            deactivated += 1
    session.flush()
    return SyncReport(enterprises_added, deactivated, deliverables_added)
