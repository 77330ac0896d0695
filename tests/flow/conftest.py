"""Tests that run Prefect flows under the one session-wide harness (tests/conftest.py prefect_harness)."""

from __future__ import annotations

from tests.layers import mark_layer

pytest_collection_modifyitems = mark_layer("flow")
