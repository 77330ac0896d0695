"""Real Prefect servers, as operators run them: the stack (campaign serve: server on PostgreSQL, worker)
driven through its UI in Chromium; the annual-assessment review form filled in that UI; and commands and
campaign serve killed or stopped without leaving a process behind."""

from __future__ import annotations

from tests.layers import mark_layer

pytest_collection_modifyitems = mark_layer("e2e")
