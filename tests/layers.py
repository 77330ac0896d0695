"""Each test folder is a layer with its own marker, applied by the folder's conftest.py, so
`pytest -m "not flow and not postgres and not e2e"` is the seconds-long inner loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

LAYERS = ("unit", "db", "flow", "postgres", "e2e", "hostile", "web", "reliability")


def mark_layer(layer: str) -> Callable[[pytest.Config, list[pytest.Item]], None]:
    folder = Path(__file__).resolve().parent / layer

    def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            if folder in Path(str(item.path)).resolve().parents:
                item.add_marker(getattr(pytest.mark, layer))

    return pytest_collection_modifyitems
