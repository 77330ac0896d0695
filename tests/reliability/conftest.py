"""Fault injection: real `campaign` commands SIGKILLed at seeded points, rerun, and what they left checked.

A few trials per kind in the normal suite; `CAMPAIGN_RELIABILITY_TRIALS=20` for the long version (see
docs/reliability.md). Commands share the session's one Prefect server (PREFECT_API_URL), so a trial
does not pay a server start.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layers import mark_layer
from tests.reliability.harness import Receiver

pytest_collection_modifyitems = mark_layer("reliability")


@pytest.fixture(scope="session")
def prefect_api_url(prefect_harness) -> str:
    """The session Prefect server's API URL, handed to every command through its environment."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the Prefect test harness sets PREFECT_API_URL"
    return str(url)


@pytest.fixture(scope="session")
def receiver():
    channel = Receiver()
    yield channel
    channel.close()


@pytest.fixture(scope="session")
def bases(tmp_path_factory) -> dict[str, Path]:
    from tests.reliability.homes import build_bases

    return build_bases(tmp_path_factory.mktemp("reliability-bases"))
