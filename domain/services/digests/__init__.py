"""Digest use cases, cut by concept.

- subscriptions: which channels get which digests, and when (subscribe, off, list, preview, now)
- outbox: the cross-workspace claim-then-send-then-settle of scheduled postings
- postings: what the outbox hands a sender (ClaimedPosting) and a settle hands back
- claims: the exactly-once claims, take-over of stale ones, and backoff
- settle: a posting settled by its outcome (sent, paused, given up on, retried)
- pace: each workspace's send pace, shared by every runner (reservations in the database)
- compose: the ranking and status digests from the read model and the previous snapshot
- reminders: owners' DMs the day before a status digest, and turning them off
- schedules: a subscription row's schedule, its reminders' and its next events
"""

from __future__ import annotations

from domain.services.digests.compose import Digest
from domain.services.digests.outbox import Outbox
from domain.services.digests.pace import Pacer, Reservation, SharedPace
from domain.services.digests.postings import ClaimedPosting, PauseNotice
from domain.services.digests.reminders import ReminderDM, ReminderProduct, Reminders
from domain.services.digests.subscriptions import Subscriptions, SubscriptionView

__all__ = [
    "ClaimedPosting",
    "Digest",
    "Outbox",
    "Pacer",
    "PauseNotice",
    "ReminderDM",
    "ReminderProduct",
    "Reminders",
    "Reservation",
    "SharedPace",
    "SubscriptionView",
    "Subscriptions",
]
