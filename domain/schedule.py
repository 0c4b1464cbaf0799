"""Digest schedules: parse them, and find the UTC instant of each local posting (DST-safe).

Pure: plain values in, plain values out; the current time is always passed in.

Rules for local times that a DST change makes odd:
- a local time that does not exist (the spring-forward gap) posts at the instant the same
  wall-clock time would have had before the change, i.e. shifted forward by the gap
  (02:30 in Europe/Berlin on the last Sunday of March posts at 03:30 local);
- a local time that happens twice (fall back) posts at the first of the two.
Either way each scheduled local day has exactly one instant, and its period key is that
local date.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

from domain.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = ("ranking", "status", "both")
CADENCES = ("weekly", "daily")

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_ALIASES: dict[str, int] = {
    **{abbrev: number for number, abbrev in enumerate(WEEKDAYS)},
    **{name.lower(): number for number, name in enumerate(_DAY_NAMES)},
    **{name.lower() + "s": number for number, name in enumerate(_DAY_NAMES)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_KIND_WORDS = {"ranking": "ranking", "status": "status", "both": "both"}
_KIND_DESCRIPTIONS = {"ranking": "ranking", "status": "status", "both": "ranking and status"}
_H24 = re.compile(r"(\d{1,2}):(\d{2})")
_H12 = re.compile(r"(\d{1,2})(?::(\d{2}))?(am|pm)", re.IGNORECASE)
_EXAMPLES = "`weekly mon 09:00 Europe/Berlin ranking` or `daily 09:00 status`"
_SEARCH_DAYS = 9  # a weekly schedule always has an occurrence within any 8 consecutive days


@dataclass(frozen=True)
class Schedule:
    """When a channel's digest posts: weekly on a weekday or daily, at a local time in a zone."""

    cadence: Literal["weekly", "daily"]
    weekday: int | None  # 0 = Monday; None for daily
    at: time  # local wall-clock time, naive
    tz: str  # IANA zone name
    kinds: str  # one of KINDS

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ValueError(f"cadence must be one of {CADENCES}, not {self.cadence!r}")
        if self.cadence == "weekly" and (self.weekday is None or not 0 <= self.weekday <= 6):
            raise ValueError(f"a weekly schedule needs a weekday 0..6, not {self.weekday!r}")
        if self.cadence == "daily" and self.weekday is not None:
            raise ValueError("a daily schedule has no weekday")
        if self.at.tzinfo is not None:
            raise ValueError("`at` is a local wall-clock time and must be naive")
        if self.kinds not in KINDS:
            raise ValueError(f"kinds must be one of {KINDS}, not {self.kinds!r}")
        if self.tz not in _zone_names():
            raise ValueError(f"unknown time zone {self.tz!r}")

    def describe(self) -> str:
        """The schedule in words: "every Monday at 09:00 (Europe/Berlin), ranking and status"."""
        when = "every day" if self.weekday is None else f"every {_DAY_NAMES[self.weekday]}"
        clock = self.at.strftime("%H:%M" if self.at.second == 0 else "%H:%M:%S")
        return f"{when} at {clock} ({self.tz}), {_KIND_DESCRIPTIONS[self.kinds]}"

    def runs_on(self, local_day: date) -> bool:
        """Whether this schedule posts on that local calendar day."""
        return self.weekday is None or local_day.weekday() == self.weekday


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_schedule(text: str, *, default_tz: str) -> Schedule:
    """Read the words after `digest` ("weekly mon 09:00 Europe/Berlin ranking") into a Schedule."""
    words = _split_words(text)
    if not words:
        raise InvalidInput(f"Say how often and when, for example {_EXAMPLES}.")
    cadence = _parse_cadence(words[0])
    rest = words[1:]
    weekday: int | None = None
    if cadence == "weekly":
        if not rest or _looks_like_time(rest[0]):
            raise InvalidInput(
                "A weekly digest needs a day before the time, e.g. `weekly mon 09:00`."
            )
        weekday = _parse_day(rest[0])
        rest = rest[1:]
    elif rest and rest[0].lower() in _DAY_ALIASES:
        raise InvalidInput(
            f"A daily digest posts every day, so it takes no day; you wrote `{rest[0]}`. "
            f"Write `daily 09:00`, or `weekly {rest[0].lower()} 09:00` for once a week."
        )
    if not rest:
        example = "weekly mon 09:00" if cadence == "weekly" else "daily 09:00"
        raise InvalidInput(f"Say at what time the digest posts, e.g. `{example}`.")
    at, rest = _take_time(rest)
    tz, kinds = _parse_options(rest)
    return Schedule(
        cadence=cadence,
        weekday=weekday,
        at=at,
        tz=tz if tz is not None else _resolve_default_zone(default_tz),
        kinds=kinds if kinds is not None else "both",
    )


def _split_words(text: str) -> list[str]:
    return text.replace("|", " ").split()


def _parse_cadence(word: str) -> Literal["weekly", "daily"]:
    lowered = word.lower()
    if lowered == "weekly":
        return "weekly"
    if lowered == "daily":
        return "daily"
    if lowered in _DAY_ALIASES:
        raise InvalidInput(f"Start with how often: `weekly {lowered} 09:00` or `daily 09:00`.")
    raise InvalidInput(
        f"`{word}` isn't a digest cadence; use `weekly` or `daily`, for example {_EXAMPLES}."
    )


def _parse_day(word: str) -> int:
    number = _DAY_ALIASES.get(word.lower())
    if number is None:
        raise InvalidInput(
            f"`{word}` isn't a day; use mon, tue, wed, thu, fri, sat or sun, "
            "e.g. `weekly mon 09:00`."
        )
    return number


def _looks_like_time(word: str) -> bool:
    return bool(re.fullmatch(r"\d{1,2}(:\d{2})?(am|pm)?", word, re.IGNORECASE))


def _take_time(words: list[str]) -> tuple[time, list[str]]:
    """Parse the time at the front of words (`09:00`, `9:00`, `9am`, `9:30 pm`); return the rest."""
    word, rest = words[0], words[1:]
    if rest and rest[0].lower() in ("am", "pm") and re.fullmatch(r"\d{1,2}(:\d{2})?", word):
        word, rest = word + rest[0], rest[1:]
    return _parse_time(word), rest


def _parse_time(word: str) -> time:
    bad = InvalidInput(
        f"`{word}` isn't a time of day; write 24-hour `HH:MM` such as `09:00` or `17:30`, "
        "or `9am` / `5:30pm`."
    )
    if match := _H24.fullmatch(word):
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            raise bad
        return time(hour, minute)
    if match := _H12.fullmatch(word):
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise bad
        hour = hour % 12 + (12 if match[3].lower() == "pm" else 0)
        return time(hour, minute)
    raise bad


def _parse_options(words: list[str]) -> tuple[str | None, str | None]:
    """Read the optional time zone and digest kind after the time, in either order."""
    tz: str | None = None
    kinds: str | None = None
    for word in words:
        kind = _KIND_WORDS.get(word.lower())
        if kind is not None:
            if kinds is not None:
                raise InvalidInput(
                    f"Give what to post once: `ranking`, `status` or `both`; you wrote `{kinds}` "
                    f"and `{word}`."
                )
            kinds = kind
            continue
        zone = _canonical_zone(word)
        if zone is not None:
            if tz is not None:
                raise InvalidInput(f"Give one time zone; you wrote `{tz}` and `{word}`.")
            tz = zone
            continue
        raise InvalidInput(_unknown_word_message(word))
    return tz, kinds


def _unknown_word_message(word: str) -> str:
    kind = difflib.get_close_matches(word.lower(), KINDS, n=1, cutoff=0.7)
    if kind and "/" not in word:
        return f"`{word}` isn't something a digest can post; did you mean `{kind[0]}`?"
    suggestion = _suggest_zone(word)
    if suggestion is not None:
        return f"`{word}` isn't a time zone I know; did you mean `{suggestion}`?"
    if "/" in word:
        return (
            f"`{word}` isn't a time zone I know; use an IANA name such as `Europe/Berlin`, "
            "`America/New_York` or `UTC`."
        )
    return (
        f"I didn't understand `{word}`. After the time you may give a time zone (like "
        f"`Europe/Berlin`) and what to post (`ranking`, `status` or `both`), e.g. {_EXAMPLES}."
    )


def _resolve_default_zone(name: str) -> str:
    zone = _canonical_zone(name)
    if zone is None:
        raise InvalidInput(
            f"The default time zone `{name}` isn't one I know; set FOLIO_TIMEZONE to an IANA "
            "name such as `Europe/Berlin`, or name the zone in the command."
        )
    return zone


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in _zone_names()}


@lru_cache(maxsize=1)
def _zones_by_city() -> dict[str, list[str]]:
    cities: dict[str, list[str]] = {}
    for name in sorted(_zone_names()):
        if "/" in name:
            cities.setdefault(name.rsplit("/", 1)[1].lower(), []).append(name)
    return cities


def _canonical_zone(word: str) -> str | None:
    if word in _zone_names():
        return word
    return _zones_by_lower_name().get(word.lower())


def _suggest_zone(word: str) -> str | None:
    lowered = word.lower()
    by_city = _zones_by_city().get(lowered.replace(" ", "_"))
    if by_city:
        return by_city[0]
    lower_names = _zones_by_lower_name()
    close = difflib.get_close_matches(lowered, list(lower_names), n=1, cutoff=0.8)
    if close:
        return lower_names[close[0]]
    if "/" in word:
        close = difflib.get_close_matches(lowered, list(lower_names), n=1, cutoff=0.6)
        if close:
            return lower_names[close[0]]
    return None


# ---------------------------------------------------------------------------------------------
# Period arithmetic


def occurrence_for(schedule: Schedule, local_day: date) -> datetime:
    """The UTC instant at which the digest for that scheduled local day posts."""
    if not schedule.runs_on(local_day):
        raise ValueError(f"{local_day.isoformat()} is not a posting day of {schedule.describe()}")
    return _resolve_local(datetime.combine(local_day, schedule.at), _zone(schedule.tz))


def next_occurrence(schedule: Schedule, after: datetime) -> datetime:
    """The first occurrence strictly after `after` (a timezone-aware instant)."""
    _require_aware(after, "after")
    for day in _days_from(_local_date(schedule, after) - timedelta(days=1), step=1):
        if schedule.runs_on(day):
            occurrence = occurrence_for(schedule, day)
            if occurrence > after:
                return occurrence
    raise ValueError(f"no occurrence of {schedule.describe()} after {after.isoformat()}")


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
        raise ValueError(f"no occurrence of {schedule.describe()} before {occurrence.isoformat()}")
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
    raise ValueError(f"{occurrence.isoformat()} is not an occurrence of {schedule.describe()}")
