"""The console's simulated time, and moving it forward through the digests due on the way."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

CLOCK_STEP = re.compile(r"^\+(\d+)\s*([mhdw])$")
CLOCK_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_CLOCK_STOPS = 400


class SimClock:
    """The console's simulated time: starts at the real time and moves only when asked."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        """Move to an instant (timezone-aware)."""
        with self._lock:
            self._now = moment.astimezone(UTC)


def clock_text(clock: SimClock, tz: str) -> str:
    """The simulated time in a person's zone and in UTC."""
    now = clock()
    local = now.astimezone(ZoneInfo(tz))
    return f"  (simulated time: {local:%a %d %b %Y, %H:%M} {tz} · {now:%H:%M} UTC)"


def parse_clock(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """`+3d`, `+2h`, `+30m`, `+1w`, or a local `YYYY-MM-DD HH:MM` (the person's zone)."""
    step = CLOCK_STEP.match(text.replace(" ", ""))
    if step:
        return now + timedelta(**{CLOCK_UNITS[step.group(2)]: int(step.group(1))})
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            local = datetime.strptime(text.strip(), layout)
        except ValueError:
            continue
        return local.replace(tzinfo=zone).astimezone(UTC)
    return None


def move_clock(
    clock: SimClock | None, folio: Any, text: str, tz: str, say: Callable[[str], None]
) -> None:
    """`:clock` shows the simulated time; `:clock +3d` or `:clock 2027-03-29 09:00` moves it.

    Moving stops at every digest and reminder due on the way and runs the scheduler's job
    there, so a week of digests posts in order, each at its own time.
    """
    if clock is None:
        say("This console runs on the real clock.")
        return
    if not text:
        say(clock_text(clock, tz))
        return
    now = clock()
    target = parse_clock(text, now, ZoneInfo(tz))
    if target is None:
        say(
            f"`{text}` isn't a time I can move to. Write `:clock +3d` (m, h, d or w) or "
            "`:clock 2027-03-29 09:00` (your time zone)."
        )
        return
    if target < now:
        say("The clock only moves forward; give a later time or `+1d`.")
        return
    outbox = folio.services.outbox
    jobs = folio.scheduler.jobs
    stops = 0
    while stops < MAX_CLOCK_STOPS:
        moment = outbox.next_event_after(clock())
        if moment is None or moment > target:
            break
        clock.set(moment)
        jobs.run_once()
        stops += 1
    if stops == MAX_CLOCK_STOPS:
        say(f"(Stopped after {MAX_CLOCK_STOPS} scheduled posts.)")
    else:
        clock.set(target)
        jobs.run_once()
    say(clock_text(clock, tz))
