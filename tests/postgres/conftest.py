"""Tests against the PostgreSQL server (fresh database per test); they fail, never skip, when it is missing."""

from __future__ import annotations

from tests.layers import mark_layer

pytest_collection_modifyitems = mark_layer("postgres")
