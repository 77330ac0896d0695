"""Hostile files (macros, bombs, formulas, lies about type) through intake: each rejected with its reason."""

from __future__ import annotations

from tests.layers import mark_layer

pytest_collection_modifyitems = mark_layer("hostile")
