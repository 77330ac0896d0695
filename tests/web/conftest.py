"""Portal tests: a fresh CAMPAIGN_HOME with the sample enterprises, the app under Starlette's TestClient."""

from __future__ import annotations

import shutil

import pytest

from campaign.calendar.clock import resolve_as_of
from campaign.config.settings import REPO_ROOT
from campaign.runtime.stack import free_port
from tests.layers import mark_layer

pytest_collection_modifyitems = mark_layer("web")

AS_OF = resolve_as_of("2023-05-20")  # inside the deployment phase window, before the 2023-05-22 deadline


@pytest.fixture
def portal_home(initialized_home, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_WEB_SECRET", "test-secret-" + "x" * 40)
    return initialized_home


@pytest.fixture
def app(portal_home):
    from campaign.web.app import create_app

    return create_app(as_of=AS_OF)


@pytest.fixture
def client_factory(app):
    from fastapi.testclient import TestClient

    clients = []

    def make(**kwargs):
        client = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False, **kwargs)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


def issue(code: str, days: int = 30, now=None) -> str:
    """A fresh link for `code`; returns the path /l/<token>."""
    from sqlalchemy import select

    from campaign.db import models as m
    from campaign.db.session import session_scope
    from campaign.web.links import issue_link, make_token, server_secret

    with session_scope() as s:
        ent = s.scalars(select(m.Enterprise).where(m.Enterprise.code == code)).one()
        link = issue_link(s, ent, days, "test", now=now)
        return "/l/" + make_token(server_secret(), link, code)


def sign_in(client, code: str) -> str:
    """Sign `client` in as `code`; returns the session's CSRF token (read from the home page form)."""
    import re

    r = client.get(issue(code))
    assert r.status_code == 303 and r.headers["location"] == "/home", r.text
    home = client.get("/home")
    assert home.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)


@pytest.fixture
def portal_config(portal_home, tmp_path, monkeypatch) -> int:
    """The repository's config with web.base_url pointing at a free local port; returns the port."""
    port = free_port()
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config_dir)
    yaml_path = config_dir / "campaign.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    text = text.replace("base_url: http://127.0.0.1:8000", f"base_url: http://127.0.0.1:{port}")
    yaml_path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CAMPAIGN_CONFIG_DIR", str(config_dir))
    return port
