"""The console's simulated time: kept between sessions, moved forward through the digests due."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert, select, update

CLOCK_STEP = re.compile(r"^\+(\d+)\s*([mhdw])$")
CLOCK_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_CLOCK_STOPS = 400


class SimClock:
    """The console's simulated time: starts at the real time and moves only when asked.

    on_set, when given, is told every new time (the console keeps it in its database).
    """

    def __init__(self, start: datetime, on_set: Callable[[datetime], None] | None = None) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.on_set = on_set

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        """Move to an instant (timezone-aware)."""
        with self._lock:
            self._now = moment.astimezone(UTC)
            now = self._now
        if self.on_set is not None:
            self.on_set(now)


# The console's own table, kept in the database it runs on (never part of Folio's schema:
# migrations leave `console_` tables alone, as they do slack_sdk's).
_METADATA = MetaData()
CLOCK_TABLE = Table(
    "console_clock",
    _METADATA,
    Column("id", Integer, primary_key=True),
    Column("simulated_at", String(40), nullable=False),
)


class SavedClock:
    """Where the simulated time is kept between console sessions: a row in the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        CLOCK_TABLE.create(engine, checkfirst=True)

    def load(self) -> datetime | None:
        """The simulated time the last session left, None on a first start."""
        with self.engine.connect() as connection:
            text = connection.execute(
                select(CLOCK_TABLE.c.simulated_at).where(CLOCK_TABLE.c.id == 1)
            ).scalar()
        return datetime.fromisoformat(text).astimezone(UTC) if text else None

    def save(self, moment: datetime) -> None:
        """Remember the simulated time (one row, replaced)."""
        value = moment.astimezone(UTC).isoformat()
        with self.engine.begin() as connection:
            updated = connection.execute(
                update(CLOCK_TABLE).where(CLOCK_TABLE.c.id == 1).values(simulated_at=value)
            ).rowcount
            if not updated:
                connection.execute(insert(CLOCK_TABLE).values(id=1, simulated_at=value))


def resume_clock(clock: SimClock, saved: SavedClock) -> str | None:
    """Go on from where the last session left the clock, and keep every move; a line to say so.

    The clock starts at the real time; simulated time never runs backwards, so if the real
    time has since passed the saved one the clock stays at the real time, and the line says
    that it moved. None on a first start (nothing was saved).
    """
    real_now = clock()
    last = saved.load()
    start = real_now if last is None or last < real_now else last
    clock.set(start)
    saved.save(start)
    clock.on_set = saved.save
    if last is None:
        return None
    if start == last:
        return (
            f"Simulated time resumes at {last:%a %d %b %Y, %H:%M} UTC, where the last session "
            "left it (`:clock` shows it, `:clock +1d` moves it)."
        )
    return (
        f"The simulated clock was at {last:%a %d %b %Y, %H:%M} UTC; real time has passed it, "
        f"so it moved on to now, {start:%a %d %b %Y, %H:%M} UTC."
    )


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
