"""A message to be sent, before it is recorded. Its `key` is the natural key of the side effect."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # e.g. "notice:deployment:DDK001" — unique forever; sending twice is impossible by construction
    kind: str  # notice | reminder | receipt | rejection | digest
    recipient: str  # Apprise tag: an enterprise code, or "sasac"
    title: str
    body: str
    enterprise_code: str | None = None
    deliverable_code: str | None = None
