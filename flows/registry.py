"""Flows runnable by name from the CLI (`campaign run NAME`). Later phases add themselves here."""
from __future__ import annotations

from collections.abc import Callable


def flows() -> dict[str, Callable]:
    from flows.deployment_phase import deployment_phase
    from flows.intake import intake
    from flows.reminders import reminders

    return {"deployment-phase": deployment_phase, "intake": intake, "reminders": reminders}
