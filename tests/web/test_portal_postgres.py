"""The portal on PostgreSQL: sign in, upload, read the receipt; another enterprise sees none of it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaign.db import models as m
from campaign.db.session import session_scope
from tests.support.filling import fill
from tests.web.conftest import AS_OF, sign_in

pytestmark = pytest.mark.postgres


def test_upload_and_isolation_on_postgresql(postgres_url, campaign_home, monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from campaign.db.migrate import init_database
    from campaign.web.app import create_app

    monkeypatch.setenv("CAMPAIGN_DATABASE_URL", postgres_url)
    monkeypatch.setenv("CAMPAIGN_WEB_SECRET", "pg-secret-" + "y" * 40)
    init_database()
    app = create_app(as_of=AS_OF)
    with TestClient(app, follow_redirects=False) as a, TestClient(app, follow_redirects=False) as b:
        csrf = sign_in(a, "DDK001")
        sign_in(b, "DDK002")
        template = tmp_path / "DDK001_task-list-2023.xlsx"
        template.write_bytes(a.get("/deliverables/task-list-2023/template").content)
        filled = fill(template)
        r = a.post(
            "/deliverables/task-list-2023/upload",
            data={"csrf_token": csrf},
            files={"file": (filled.name, filled.read_bytes())},
        )
        assert r.status_code == 303
        assert "已接收（回执）" in a.get(r.headers["location"]).text
        assert b.get(r.headers["location"]).status_code == 404
    with session_scope() as s:
        [sub] = s.scalars(select(m.Submission)).all()
        assert (sub.enterprise.code, sub.status, sub.version) == ("DDK001", "accepted", 1)
        assert s.query(m.TaskItem).count() == 9
        assert s.bind.dialect.name == "postgresql"
