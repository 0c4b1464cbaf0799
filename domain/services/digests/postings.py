"""What the outbox hands a sender, and what settling a posting can hand back."""

from __future__ import annotations

from dataclasses import dataclass

from domain import schedule as sched
from domain.services.digests.compose import Digest


@dataclass(frozen=True)
class ClaimedPosting:
    """A digest this runner holds the claim for: send it, then report the outcome."""

    posting_id: int
    team_id: str
    channel_id: str
    subscription_id: int
    subscriber_id: str
    kind: str
    period: str
    attempt: int
    cadence: str
    tz: str
    digest: Digest
    composed: str = ""  # names the composition it shares with other postings ("": its own)


@dataclass(frozen=True)
class PauseNotice:
    """A subscription just paused because its channel refused a post: tell the subscriber once."""

    team_id: str
    subscriber_id: str
    channel_id: str
    portfolio: str
    error: str  # the raw code the channel refused with, as the delivery reported it
    schedule: sched.Schedule
