"""The real stack (campaign serve: Prefect server on PostgreSQL, worker) driven through its UI in Chromium."""

from __future__ import annotations

from tests.layers import mark_layer

pytest_collection_modifyitems = mark_layer("e2e")
