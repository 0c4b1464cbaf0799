"""The shared send pace: every runner's posts to a workspace on one timeline, in the database.

Slack limits chat.postMessage per app per workspace (the loopback Slack: 200 a second),
whichever process or host sends. Runners may be separate processes on separate hosts, so a
pacer in memory keeps only itself under the limit: two runners each pacing at 98 % of it post
196 % of it together, meet 429s and wait out Retry-After. Here the runners of one database
share one timeline per workspace (`send_pace`, one row each).

Why a reservation rather than a per-workspace sending lease: a runner reserves `k` slots in
one short transaction that locks the workspace's row and moves its `next_at_us` on by
k / rate from max(next_at_us, now), then posts those k on that schedule. Every runner sends
at once, their slots interleaved, so together they post at the workspace's rate; under a
lease the runner that claimed the other half of a tick's digests would sit on its claims,
idle, until the holder finished the workspace, and a lease needs a holder, a heartbeat and
an expiry to get past a dead holder. A reservation needs none of them: a runner that dies
holding one blocks the workspace only until its slots have passed (at most `LEAD_SECONDS`
+ `BLOCK_SECONDS`); there is nothing to expire or take over. It costs one small write per
block (a few a second per runner), on SQLite and PostgreSQL alike.

The timeline is wall-clock time (microseconds since the epoch), read by each runner once it
holds the row's lock and waited on with the same clock. Not the database's clock: its
reading reaches a runner a commit and a round trip later, tens of milliseconds on a busy
database and never the same twice, which would slide each runner's blocks into its
neighbours'. Hosts kept in step by NTP differ by far less; a host off by d can overlap
another runner's block by d, i.e. post at most rate x d too many in a second (196 x 5 ms:
one), which the 2 % headroom absorbs. A timeline more than `MAX_AHEAD_US` ahead of a
runner's now (a clock that ran ahead, then was set right) is treated as now.

`Pacer` is one runner's share for one workspace: it reserves ahead, hands out the slots to
its delivery threads, and drops a slot whose moment passed during a stall (a GC pause, a busy
machine) instead of posting late, so a stall never turns into a burst.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.models import SendPace
from domain.store import Store, retried

US = 1_000_000
MAX_AHEAD_US = 30 * US  # a timeline further ahead than this is treated as now
BLOCK_SECONDS = 0.1  # slots reserved at a time, as pace time
LEAD_SECONDS = 0.15  # the next block is reserved while this much of the current one is left
LATE_SLOTS = 2.0  # a slot this many intervals past is dropped, not posted late


@dataclass(frozen=True)
class Reservation:
    """`slots` send slots `interval_us` apart from `start_us` (microseconds since the epoch)."""

    team_id: str
    start_us: int
    slots: int
    interval_us: int

    @property
    def end_us(self) -> int:
        """Where the next reservation starts, if nobody reserves in between."""
        return self.start_us + self.slots * self.interval_us

    def slot_us(self, index: int) -> int:
        """The index-th slot's time on the pace's clock."""
        return self.start_us + index * self.interval_us


class SharedPace:
    """Each workspace's chat.postMessage timeline, shared by every runner (cross-workspace)."""

    def __init__(self, store: Store, *, max_ahead_us: int = MAX_AHEAD_US) -> None:
        self.store = store
        self.max_ahead_us = max_ahead_us
        self._known: set[str] = set()  # workspaces whose row exists

    @retried
    def reserve(
        self, team_id: str, slots: int, interval_us: int, clock: Callable[[], float]
    ) -> Reservation:
        """Take the workspace's next `slots` send slots: from now, or after the last one taken.

        The workspace's row is locked first (SQLite: the write lock, PostgreSQL: FOR UPDATE)
        and `clock` (seconds since the epoch) read only then, so a wait for another writer
        never starts the reservation in the past.
        """
        if slots < 1 or interval_us < 1:
            raise ValueError("reserve at least one slot, at least a microsecond apart")
        table = cast(Table, SendPace.__table__)
        with self.store.system() as system:
            if team_id not in self._known:
                insert = (
                    postgresql_insert
                    if self.store.engine.dialect.name == "postgresql"
                    else sqlite_insert
                )
                system.execute(
                    insert(table)
                    .values(team_id=team_id, next_at_us=0)
                    .on_conflict_do_nothing(index_elements=["team_id"])
                )
            taken = system.execute(
                select(table.c.next_at_us).where(table.c.team_id == team_id).with_for_update()
            ).scalar_one()
            now_us = round(clock() * US)
            ahead = now_us < taken <= now_us + self.max_ahead_us
            start = taken if ahead else now_us
            system.execute(
                update(table)
                .where(table.c.team_id == team_id)
                .values(next_at_us=start + slots * interval_us)
            )
        self._known.add(team_id)
        return Reservation(team_id, start, slots, interval_us)

    @retried
    def give_back(self, team_id: str, from_us: int, end_us: int) -> bool:
        """Hand back unused slots from `from_us` to `end_us`, unless someone reserved after."""
        if from_us >= end_us:
            return False
        table = cast(Table, SendPace.__table__)
        with self.store.system() as system:
            result = system.execute(
                update(table)
                .where(table.c.team_id == team_id, table.c.next_at_us == end_us)
                .values(next_at_us=from_us)
            )
        return int(getattr(result, "rowcount", 0) or 0) == 1


class Pacer:
    """One runner's posts to one workspace on its shared pace; acquire() waits for a slot.

    Thread-safe: a runner's delivery threads share one. Slots are reserved `block_seconds`
    at a time, the next block while `lead_seconds` are still ahead (so a reservation that
    waits on a busy database starves nobody), never more than the posts `expect`ed (so a
    runner reserves no tail it will not use), and what is left unused is handed back on
    `release`. A slot more than `late_slots` intervals past when a thread gets to it is
    dropped (`dropped` counts them): after a stall the posts resume on the pace, not in a
    burst that would crowd the next second.
    """

    def __init__(
        self,
        pace: SharedPace,
        team_id: str,
        rate: float,
        *,
        block_seconds: float = BLOCK_SECONDS,
        lead_seconds: float = LEAD_SECONDS,
        late_slots: float = LATE_SLOTS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.pace = pace
        self.team_id = team_id
        self.interval_us = max(1, round(US / rate))
        self._interval = self.interval_us / US
        self._block = max(1, round(block_seconds / self._interval))
        self._lead = lead_seconds
        self._late = late_slots * self._interval
        self._clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._pool: deque[int] = deque()  # reserved slots not handed out, microseconds
        self._wanted: int | None = None  # posts still expected; None: unknown
        self._reserving = False
        self._last: Reservation | None = None
        self.dropped = 0  # slots passed over by a stall
        self.reservations = 0

    def expect(self, posts: int) -> None:
        """Announce `posts` more acquisitions, so reservations fit what will be sent."""
        with self._cond:
            self._wanted = (self._wanted or 0) + posts

    def acquire(self) -> None:
        """Wait until this runner's next slot, then return: post now."""
        while True:
            slot = self._take() / US
            now = self._clock()
            if slot > now:
                self._sleep(slot - now)
                now = self._clock()
            if now - slot <= self._late:
                return
            with self._cond:
                self.dropped += 1

    def release(self) -> None:
        """Stop: give the workspace back the unused slots at the end of the timeline."""
        with self._cond:
            unused, last = list(self._pool), self._last
            self._pool.clear()
            self._wanted, self._last = None, None
        if last is None or not unused or unused[-1] != last.end_us - self.interval_us:
            return
        start = len(unused) - 1  # the unused run that ends where the timeline ends
        while start > 0 and unused[start - 1] == unused[start] - self.interval_us:
            start -= 1
        self.pace.give_back(self.team_id, unused[start], last.end_us)

    def _take(self) -> int:
        """The next slot, reserving more first when the pool runs low.

        A thread tops the pool up before it takes its slot, never between taking and using
        it, so a slow reservation delays no post already due.
        """
        reserved = False
        while True:
            with self._cond:
                self._drop_passed()
                count = 0 if reserved and self._pool else self._to_reserve(needed=not self._pool)
                if count:
                    self._reserving = True
                elif self._pool:
                    if self._wanted is not None:
                        self._wanted = max(0, self._wanted - 1)
                    return self._pool.popleft()
                else:
                    self._cond.wait()  # another thread is reserving
                    continue
            self._reserve(count)
            reserved = True

    def _drop_passed(self) -> None:
        oldest = (self._clock() - self._late) * US
        while self._pool and self._pool[0] < oldest:
            self._pool.popleft()
            self.dropped += 1

    def _to_reserve(self, *, needed: bool) -> int:
        """How many slots to reserve now (0: none), under the lock."""
        if self._reserving:
            return 0
        if needed:
            return self._block if self._wanted is None else max(1, min(self._block, self._wanted))
        ahead = self._pool[-1] / US - self._clock() if self._pool else 0.0
        if ahead > self._lead:
            return 0
        if self._wanted is None:
            return self._block
        return max(0, min(self._block, self._wanted - len(self._pool)))

    def _reserve(self, count: int) -> None:
        try:
            reservation = self.pace.reserve(self.team_id, count, self.interval_us, self._clock)
        except BaseException:
            with self._cond:
                self._reserving = False
                self._cond.notify_all()
            raise
        with self._cond:
            if self._pool and self._pool[-1] > reservation.start_us:
                self._pool = deque(sorted([*self._pool, *map(reservation.slot_us, range(count))]))
            else:
                self._pool.extend(map(reservation.slot_us, range(count)))
            self._last = reservation
            self.reservations += 1
            self._reserving = False
            self._cond.notify_all()
