"""Pure tests: no database, no Prefect, milliseconds each (the inner loop: pytest tests/unit)."""

from __future__ import annotations

from tests.layers import mark_layer

pytest_collection_modifyitems = mark_layer("unit")
