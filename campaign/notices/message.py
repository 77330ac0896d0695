"""A message to be sent, before it is recorded. Its `key` is the natural key of the side effect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    key: str  # e.g. "notice:deployment:DDK001" — unique forever; sending twice is impossible by construction
    kind: str  # notice | reminder | receipt | rejection | digest
    recipient: str  # Apprise tag: an enterprise code, or "sasac"
    title: str
    body: str
    enterprise_code: str | None = None
    deliverable_code: str | None = None


class ChannelNames(Protocol):
    """What the domain needs to know of the channels: which kinds (e.g. "mailtos") reach a recipient,
    recorded with the message; never a URL. notifications.channels.Channels provides it."""

    def schemas_for(self, recipient: str) -> str | None: ...
