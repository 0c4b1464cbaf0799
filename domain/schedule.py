"""Digest schedules: when each local posting falls, as a UTC instant (DST-safe).

Pure: plain values in, plain values out; the current time is always passed in. The words
people write (`weekly mon 09:00 Europe/Berlin`) are read by domain.commands.schedule.

Rules for local times that a DST change makes odd:
- a local time that does not exist (the spring-forward gap) posts at the instant the same
  wall-clock time would have had before the change, i.e. shifted forward by the gap
  (02:30 in Europe/Berlin on the last Sunday of March posts at 03:30 local);
- a local time that happens twice (fall back) posts at the first of the two.
Either way each scheduled local day has exactly one instant, and its period key is that
local date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

from domain.vocabulary import CADENCES, DIGEST_KIND_CHOICES

_SEARCH_DAYS = 9  # a weekly schedule always has an occurrence within any 8 consecutive days


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every IANA time zone name this machine knows."""
    return frozenset(available_timezones())


@dataclass(frozen=True)
class Schedule:
    """When a channel's digest posts: weekly on a weekday or daily, at a local time in a zone."""

    cadence: Literal["weekly", "daily"]
    weekday: int | None  # 0 = Monday; None for daily
    at: time  # local wall-clock time, naive
    tz: str  # IANA zone name
    kinds: str  # one of DIGEST_KIND_CHOICES

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ValueError(f"cadence must be one of {CADENCES}, not {self.cadence!r}")
        if self.cadence == "weekly" and (self.weekday is None or not 0 <= self.weekday <= 6):
            raise ValueError(f"a weekly schedule needs a weekday 0..6, not {self.weekday!r}")
        if self.cadence == "daily" and self.weekday is not None:
            raise ValueError("a daily schedule has no weekday")
        if self.at.tzinfo is not None:
            raise ValueError("`at` is a local wall-clock time and must be naive")
        if self.kinds not in DIGEST_KIND_CHOICES:
            raise ValueError(f"kinds must be one of {DIGEST_KIND_CHOICES}, not {self.kinds!r}")
        if self.tz not in zone_names():
            raise ValueError(f"unknown time zone {self.tz!r}")

    def runs_on(self, local_day: date) -> bool:
        """Whether this schedule posts on that local calendar day."""
        return self.weekday is None or local_day.weekday() == self.weekday


# ---------------------------------------------------------------------------------------------
# Period arithmetic


def occurrence_for(schedule: Schedule, local_day: date) -> datetime:
    """The UTC instant at which the digest for that scheduled local day posts."""
    if not schedule.runs_on(local_day):
        raise ValueError(f"{local_day.isoformat()} is not a posting day of {schedule!r}")
    return _resolve_local(datetime.combine(local_day, schedule.at), _zone(schedule.tz))


def next_occurrence(schedule: Schedule, after: datetime) -> datetime:
    """The first occurrence strictly after `after` (a timezone-aware instant)."""
    _require_aware(after, "after")
    for day in _days_from(_local_date(schedule, after) - timedelta(days=1), step=1):
        if schedule.runs_on(day):
            occurrence = occurrence_for(schedule, day)
            if occurrence > after:
                return occurrence
    raise ValueError(f"no occurrence of {schedule!r} after {after.isoformat()}")


def latest_occurrence(schedule: Schedule, at_or_before: datetime) -> datetime | None:
    """The last occurrence at or before `at_or_before`, or None if the calendar runs out first."""
    _require_aware(at_or_before, "at_or_before")
    try:
        start = _local_date(schedule, at_or_before) + timedelta(days=1)
        for day in _days_from(start, step=-1):
            if schedule.runs_on(day):
                occurrence = occurrence_for(schedule, day)
                if occurrence <= at_or_before:
                    return occurrence
    except OverflowError:
        return None
    return None


def period_key(schedule: Schedule, occurrence: datetime) -> str:
    """The key of the period an occurrence belongs to: its scheduled local date, "2027-03-29"."""
    return _scheduled_day(schedule, occurrence).isoformat()


def due(schedule: Schedule, now: datetime, *, grace: timedelta) -> tuple[datetime, str] | None:
    """The latest occurrence at or before `now` with its period key, if it is at most `grace` old.

    After downtime only the latest missed occurrence is returned, so a digest posts late once,
    never once per missed period. The caller claims the period key before posting.
    """
    _require_aware(now, "now")
    _require_grace(grace)
    occurrence = latest_occurrence(schedule, now)
    if occurrence is None or now - occurrence > grace:
        return None
    return occurrence, period_key(schedule, occurrence)


def reminder_due(
    schedule: Schedule, now: datetime, *, grace: timedelta
) -> tuple[datetime, str] | None:
    """The owners' reminder due at `now` (at most `grace` late) and the period key it announces.

    A reminder goes out at the digest's local time on the previous local calendar day, and only
    while the digest it announces is still ahead.
    """
    _require_aware(now, "now")
    _require_grace(grace)
    zone = _zone(schedule.tz)
    start = _local_date(schedule, now) + timedelta(days=2)
    for day in _days_from(start, step=-1):
        if not schedule.runs_on(day):
            continue
        reminder = _resolve_local(datetime.combine(day - timedelta(days=1), schedule.at), zone)
        if reminder > now:
            continue
        occurrence = occurrence_for(schedule, day)
        if now - reminder > grace or occurrence <= now:
            return None
        return reminder, period_key(schedule, occurrence)
    return None


def previous_period_start(schedule: Schedule, occurrence: datetime) -> datetime:
    """The occurrence before this one, where "since the previous digest" starts."""
    _require_aware(occurrence, "occurrence")
    previous = latest_occurrence(schedule, occurrence - timedelta(microseconds=1))
    if previous is None:
        raise ValueError(f"no occurrence of {schedule!r} before {occurrence.isoformat()}")
    return previous


# ---------------------------------------------------------------------------------------------
# Helpers


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"`{name}` must be a timezone-aware datetime, got {moment!r}")


def _require_grace(grace: timedelta) -> None:
    if grace < timedelta(0):
        raise ValueError(f"grace must not be negative, got {grace}")


def _local_date(schedule: Schedule, moment: datetime) -> date:
    return moment.astimezone(_zone(schedule.tz)).date()


def _days_from(start: date, *, step: int) -> Iterator[date]:
    delta = timedelta(days=step)
    day = start
    for _ in range(_SEARCH_DAYS + 2):
        yield day
        day = day + delta


def _resolve_local(wall: datetime, zone: ZoneInfo) -> datetime:
    """The one UTC instant for a naive local wall-clock time (gap: shifted later; fold: first)."""
    candidates = {wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)}
    real = [c for c in candidates if c.astimezone(zone).replace(tzinfo=None, fold=0) == wall]
    if real:
        return min(real)
    return max(candidates)


def _scheduled_day(schedule: Schedule, occurrence: datetime) -> date:
    _require_aware(occurrence, "occurrence")
    local_day = _local_date(schedule, occurrence)
    for day in (local_day, local_day - timedelta(days=1)):
        if schedule.runs_on(day) and occurrence_for(schedule, day) == occurrence:
            return day
    raise ValueError(f"{occurrence.isoformat()} is not an occurrence of {schedule!r}")
