"""Digest use cases, cut by concept.

- subscriptions: which channels get which digests, and when (subscribe, off, list, preview, now)
- outbox: the cross-workspace claim-then-send-then-settle of scheduled postings
- claims: the exactly-once claims, take-over of stale ones, and backoff
- compose: the ranking and status digests from the read model and the previous snapshot
- reminders: owners' DMs the day before a status digest, and turning them off
- schedules: a subscription row's schedule, its reminders' and its next events
"""

from __future__ import annotations

from domain.services.digests.compose import Digest
from domain.services.digests.outbox import ClaimedPosting, Outbox, PauseNotice
from domain.services.digests.reminders import ReminderDM, ReminderProduct, Reminders
from domain.services.digests.subscriptions import Subscriptions, SubscriptionView

__all__ = [
    "ClaimedPosting",
    "Digest",
    "Outbox",
    "PauseNotice",
    "ReminderDM",
    "ReminderProduct",
    "Reminders",
    "SubscriptionView",
    "Subscriptions",
]
