"""Tests against a real SQLite database under a temporary CAMPAIGN_HOME, without Prefect."""

from __future__ import annotations

from tests.layers import mark_layer

pytest_collection_modifyitems = mark_layer("db")
