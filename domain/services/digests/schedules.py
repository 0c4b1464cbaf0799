"""A subscription row's schedule, and when its owners' reminders and next events fall."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain import schedule as sched
from domain.models import DigestSubscription


def schedule_of(row: DigestSubscription) -> sched.Schedule:
    """The schedule a subscription row stores."""
    cadence: Literal["weekly", "daily"] = "weekly" if row.cadence == "weekly" else "daily"
    return sched.Schedule(
        cadence=cadence,
        weekday=row.weekday if cadence == "weekly" else None,
        at=time(row.local_minute // 60, row.local_minute % 60),
        tz=row.tz,
        kinds=row.kinds,
    )


def apply_schedule(row: DigestSubscription, schedule: sched.Schedule) -> None:
    """Store a schedule in a subscription row."""
    row.cadence = schedule.cadence
    row.weekday = schedule.weekday
    row.local_minute = schedule.at.hour * 60 + schedule.at.minute
    row.tz = schedule.tz
    row.kinds = schedule.kinds


def has_reminders(schedule: sched.Schedule) -> bool:
    """Owners are reminded before status digests only."""
    return schedule.kinds in ("status", "both")


def reminder_schedule(schedule: sched.Schedule) -> sched.Schedule:
    """When reminders go out: the digest's local time on the day before each posting day."""
    weekday = None if schedule.weekday is None else (schedule.weekday - 1) % 7
    return sched.Schedule(
        cadence=schedule.cadence,
        weekday=weekday,
        at=schedule.at,
        tz=schedule.tz,
        kinds=schedule.kinds,
    )


def next_event(schedule: sched.Schedule, after: datetime) -> datetime:
    """The next instant after `after` when this schedule posts a digest or sends reminders."""
    moment = sched.next_occurrence(schedule, after)
    if has_reminders(schedule):
        moment = min(moment, sched.next_occurrence(reminder_schedule(schedule), after))
    return moment


def known_zone(name: str) -> bool:
    """Whether `name` is a time zone this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
