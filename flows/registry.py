"""Flows runnable by name from the CLI (`campaign run NAME`): those that take only `as_of`.

Flows with more parameters have their own commands (`campaign half-year`, `campaign assess`, ...).
"""

from __future__ import annotations

from collections.abc import Callable


def flows() -> dict[str, Callable]:
    from flows.campaign_tick import campaign_tick
    from flows.deployment_phase import deployment_phase
    from flows.final_review import final_review
    from flows.intake import intake
    from flows.reminders import reminders

    return {
        "deployment-phase": deployment_phase,
        "intake": intake,
        "reminders": reminders,
        "final-review": final_review,
        "campaign-tick": campaign_tick,
    }
