"""What became of a message the bot tried to post, in the kinds the domain decides by.

Pure. The Slack layer (handlers.delivery) is the one place that reads Slack's error codes: it
classifies each attempt into a `Delivery` kind. The digest outbox decides pause, retry or give
up from the kind alone; the raw code travels along only to be logged and shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Delivery(StrEnum):
    """The kind of outcome of one attempt to post a message.

    - DELIVERED: posted.
    - CHANNEL_REFUSED: the bot may not post in that channel (removed, archived, restricted).
    - MESSAGE_REFUSED: the message itself was refused; sending it again unchanged fails again.
    - RATE_LIMITED: still rate limited once the client's own retries ran out.
    - TOKEN_PROBLEM: no usable token for the workspace (missing, revoked, lacking a scope).
    - TRANSIENT: anything else (a server error, no connection, not started): try later.
    """

    DELIVERED = "delivered"
    CHANNEL_REFUSED = "channel_refused"
    MESSAGE_REFUSED = "message_refused"
    RATE_LIMITED = "rate_limited"
    TOKEN_PROBLEM = "token_problem"  # noqa: S105 (a kind of outcome, not a secret)
    TRANSIENT = "transient"


PERMANENT = frozenset({Delivery.CHANNEL_REFUSED, Delivery.MESSAGE_REFUSED, Delivery.TOKEN_PROBLEM})


@dataclass(frozen=True)
class DeliveryOutcome:
    """One attempt's outcome: its kind, the raw code behind a failure, the posted message's ts."""

    kind: Delivery
    code: str | None = None
    ts: str | None = None

    @property
    def delivered(self) -> bool:
        """Whether the message was posted."""
        return self.kind is Delivery.DELIVERED

    @property
    def permanent(self) -> bool:
        """Whether trying the same message again, unchanged, cannot succeed by itself."""
        return self.kind in PERMANENT
