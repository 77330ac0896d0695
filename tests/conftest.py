"""Test setup shared by the whole suite.

Prefect is pointed at a throw-away PREFECT_HOME before it is imported, and flow tests share ONE
Prefect test harness per session (it costs ~20 s to start on this machine).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="campaign-tests-prefect-"))
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL", "WARNING")
# The server key signs links and the hidden _meta sheet of generated workbooks; a fixed one keeps tests that
# generate a template in one CAMPAIGN_HOME and receive it in another from depending on a per-home key file.
os.environ["CAMPAIGN_WEB_SECRET"] = "campaign-test-suite-secret-" + "0" * 32
for _var in ("CAMPAIGN_HOME", "CAMPAIGN_DATABASE_URL", "CAMPAIGN_CONFIG_DIR", "CAMPAIGN_APPRISE_CONFIG"):
    os.environ.pop(_var, None)

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "CAMPAIGN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True)
def _prefect_api_url_stays_the_tests_own():
    """prepare_prefect_environment sets PREFECT_API_URL for its process (a command's own server, or serve's);
    a test that calls it must not leave a server that is gone as the address for every later test."""
    before = os.environ.get("PREFECT_API_URL")
    yield
    if before is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = before


@pytest.fixture
def campaign_home(tmp_path, monkeypatch) -> Path:
    """A fresh CAMPAIGN_HOME (SQLite + outbox) for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("CAMPAIGN_HOME", str(home))
    monkeypatch.delenv("CAMPAIGN_DATABASE_URL", raising=False)
    return home


@pytest.fixture
def initialized_home(campaign_home) -> Path:
    from campaign.db.migrate import init_database

    init_database()
    return campaign_home


@pytest.fixture
def token(monkeypatch) -> str:
    """A channel secret (REMINDER_TEST_TOKEN) that must never reach a log, an artifact or the database."""
    value = f"tok-{uuid.uuid4().hex}"
    monkeypatch.setenv("REMINDER_TEST_TOKEN", value)
    return value


@pytest.fixture(scope="session")
def prefect_harness():
    """The one Prefect server for the session; request it from every test that runs a flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def postgres_url() -> str:
    """A fresh PostgreSQL database for one test (tests never see each other's rows). Fails, never
    skips, when the server is missing."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"campaign_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is required for these tests but is not reachable at {POSTGRES_ADMIN_URL} "
            f"(set CAMPAIGN_TEST_POSTGRES_URL): {exc}"
        )
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    from campaign.db.session import engine_for

    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def read_outbox(home: Path) -> list[dict]:
    import json

    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((home / "outbox").glob("*.json"))]


def pytest_collection_modifyitems(config, items) -> None:
    """Beyond its folder's layer, a test that needs PostgreSQL or the Prefect harness carries that marker
    too, so `-m "not postgres"` / `-m "not flow"` leave it out wherever it lives."""
    for item in items:
        needs = set(getattr(item, "fixturenames", ()))
        if "postgres_url" in needs:
            item.add_marker(pytest.mark.postgres)
        if "prefect_harness" in needs:
            item.add_marker(pytest.mark.flow)
