"""A deliverer process for the kill tests: sweeps every deliverable message to one json:// URL.

python -m tests.support.sweep_child URL     (CAMPAIGN_HOME from the environment)
"""

from __future__ import annotations

import sys

from campaign.calendar.clock import resolve_as_of
from campaign.db.session import session_scope
from notifications.channels import parse_channels
from notifications.delivery import deliver_pending

if __name__ == "__main__":
    channels = parse_channels({"default": [sys.argv[1]], "delivery": {"attempts_per_run": 1}})
    with session_scope() as session:
        deliver_pending(session, channels, resolve_as_of("2023-05-15"))
