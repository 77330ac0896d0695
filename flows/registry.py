"""Flows runnable by name from the CLI (`campaign run NAME`). Later phases add themselves here."""
from __future__ import annotations

from collections.abc import Callable


def flows() -> dict[str, Callable]:
    from flows.deployment_phase import deployment_phase
    from flows.final_review import final_review
    from flows.intake import intake

    return {"deployment-phase": deployment_phase, "intake": intake, "final-review": final_review}
