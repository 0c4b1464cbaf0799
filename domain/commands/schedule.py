"""The schedule words of `/portfolio digest`: `weekly mon 09:00 Europe/Berlin ranking` (pure)."""

from __future__ import annotations

import difflib
import re
from datetime import time
from functools import lru_cache
from typing import Literal

from domain.errors import InvalidInput
from domain.schedule import Schedule, zone_names
from domain.vocabulary import DIGEST_KIND_CHOICES, WEEKDAY_NAMES, WEEKDAYS

_DAY_ALIASES: dict[str, int] = {
    **{abbrev: number for number, abbrev in enumerate(WEEKDAYS)},
    **{name.lower(): number for number, name in enumerate(WEEKDAY_NAMES)},
    **{name.lower() + "s": number for number, name in enumerate(WEEKDAY_NAMES)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_H24 = re.compile(r"(\d{1,2}):(\d{2})")
_H12 = re.compile(r"(\d{1,2})(?::(\d{2}))?(am|pm)", re.IGNORECASE)
_EXAMPLES = "`weekly mon 09:00 Europe/Berlin ranking` or `daily 09:00 status`"


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
        kind = word.lower()
        if kind in DIGEST_KIND_CHOICES:
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
    kind = difflib.get_close_matches(word.lower(), DIGEST_KIND_CHOICES, n=1, cutoff=0.7)
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
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zone_names()}


@lru_cache(maxsize=1)
def _zones_by_city() -> dict[str, list[str]]:
    cities: dict[str, list[str]] = {}
    for name in sorted(zone_names()):
        if "/" in name:
            cities.setdefault(name.rsplit("/", 1)[1].lower(), []).append(name)
    return cities


def _canonical_zone(word: str) -> str | None:
    if word in zone_names():
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
