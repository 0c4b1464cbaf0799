"""One message to post, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.delivery import Delivery, DeliveryOutcome


@dataclass(frozen=True)
class Outgoing:
    """One message to post; ``id`` is the caller's idempotency id."""

    id: str
    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one Outgoing: its typed result (posted with a ts, or why not)."""

    id: str
    channel: str
    result: DeliveryOutcome

    @property
    def ok(self) -> bool:
        """Whether Slack accepted the post."""
        return self.result.delivered

    @property
    def ts(self) -> str | None:
        """The posted message's timestamp."""
        return self.result.ts

    @property
    def error(self) -> str | None:
        """Slack's error code (or ours: connection_error, not_started …) for a failure."""
        return self.result.code

    @property
    def kind(self) -> Delivery:
        """The kind of outcome."""
        return self.result.kind

    @property
    def permanent(self) -> bool:
        """Whether posting the same message again cannot succeed by itself."""
        return self.result.permanent
