"""Migrations bring an empty database to the models' schema, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from campaign.config.model import load_config
from campaign.db import models as m
from campaign.db.migrate import upgrade_to_head
from campaign.db.session import get_engine, session_scope
from campaign.db.sync import sync_config

TABLES = {"campaign", "phase", "enterprise", "deliverable", "submission", "notification", "audit_event"}


def _assert_schema_matches_models() -> None:
    engine = get_engine()
    assert TABLES <= set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), m.Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def _migrate_and_load_twice() -> None:
    for _ in range(2):  # idempotent: a second init neither fails nor duplicates
        upgrade_to_head()
        with session_scope() as session:
            sync_config(session, load_config())
    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(m.Enterprise)) == len(load_config().enterprises)
        assert session.scalar(sa.select(sa.func.count()).select_from(m.Deliverable)) == len(load_config().deliverables)
        assert session.scalar(sa.select(sa.func.count()).select_from(m.Phase)) == 3


def test_migrations_on_sqlite_use_wal(campaign_home):
    _migrate_and_load_twice()
    _assert_schema_matches_models()
    with get_engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (campaign_home / "campaign.db").is_file()


def test_migrations_on_postgresql(postgres_url, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_DATABASE_URL", postgres_url)
    _migrate_and_load_twice()
    _assert_schema_matches_models()
    assert get_engine().dialect.name == "postgresql"


def test_config_sync_deactivates_removed_enterprise_but_keeps_it(initialized_home):
    config = load_config()
    smaller = config.model_copy(update={"enterprises": config.enterprises[1:]})
    with session_scope() as session:
        report = sync_config(session, smaller)
    assert report.enterprises_deactivated == 1
    with session_scope() as session:
        gone = session.scalars(sa.select(m.Enterprise).where(m.Enterprise.code == config.enterprises[0].code)).one()
        assert gone.active is False


def test_0010_retires_the_district_tier_and_its_bonus_keeping_finalised_totals(campaign_home):
    """A database finalised with a 创标 bonus: after 0010 the columns are gone and the total is what it was."""
    from alembic import command

    from campaign.db.migrate import alembic_config

    cfg = alembic_config()
    with get_engine().begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0009")
        connection.execute(
            sa.text(
                "INSERT INTO enterprise (id, code, name, category, tier, sample, active, contacts) "
                "VALUES (1, 'DDK001', '示例', '商业二类', '创标', 1, 1, '[]')"
            )
        )
        connection.execute(
            sa.text("INSERT INTO assessment (id, year, status, as_of) VALUES (1, 2023, 'final', '2024-02-05 01:00:00')")
        )
        connection.execute(
            sa.text(
                "INSERT INTO assessment_result (assessment_id, enterprise_id, base_total, bonus, total, "
                "rank_in_category, category_size, grade, notes) VALUES (1, 1, 96.5, 3.5, 100, 1, 3, '优秀', '[]')"
            )
        )
    upgrade_to_head()
    columns = {
        t: {c["name"] for c in sa.inspect(get_engine()).get_columns(t)} for t in ("enterprise", "assessment_result")
    }
    assert "tier" not in columns["enterprise"] and "bonus" not in columns["assessment_result"]
    with session_scope() as session:
        kept = session.scalars(sa.select(m.AssessmentResult)).one()
        assert (kept.base_total, kept.total, kept.grade) == (96.5, 100, "优秀")
    _assert_schema_matches_models()
