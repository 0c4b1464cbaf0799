"""The shared send pace: every runner of one database together under a workspace's post rate."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from console.loopback import FakeChannel, FakeSlack
from domain.models import SendPace
from domain.services import Services, build_services
from domain.services.digests import Outbox, Pacer, SharedPace
from domain.services.digests.claims import Due
from domain.services.digests.pace import BLOCK_SECONDS, LATE_SLOTS, LEAD_SECONDS
from domain.store import Store, make_engine
from handlers.digests.scheduler import DigestJobs, workspace_clients
from handlers.digests.sending import PacedClient
from tests.conftest import ALICE, TEAM, Clock, Database
from tests.integration.test_digest_service import add, setup

US = 1_000_000
INTERVAL_US = 50_000  # 20 posts a second
T0 = 1_800_000_000.0  # an instant on the pace's clock (seconds since the epoch)


class FakeTime:
    """A clock and a sleep that moves it: waits in these tests take no real time."""

    def __init__(self, now: float = T0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)


@pytest.fixture
def pace(services: Services) -> SharedPace:
    setup(services)  # the workspace's row
    return services.outbox.pace


@pytest.fixture
def other_runner(database: Database) -> Iterator[SharedPace]:
    """The same database through another engine, as a second runner (process) sees it."""
    engine = make_engine(database.url)
    yield SharedPace(Store(engine))
    engine.dispose()


def at(seconds: float) -> FakeTime:
    return FakeTime(T0 + seconds)


def slots_of(*reservations: Any) -> list[int]:
    return sorted(r.slot_us(i) for r in reservations for i in range(r.slots))


def test_reservations_of_two_runners_take_turns_and_never_share_a_slot(
    pace: SharedPace, other_runner: SharedPace
) -> None:
    first = pace.reserve(TEAM, 5, INTERVAL_US, at(0.0))
    second = other_runner.reserve(TEAM, 5, INTERVAL_US, at(0.01))
    third = pace.reserve(TEAM, 3, INTERVAL_US, at(0.02))
    assert first.start_us == round(T0 * US)
    assert second.start_us == first.end_us  # after the other runner's, not from its own now
    assert third.start_us == second.end_us
    slots = slots_of(first, second, third)
    assert len(set(slots)) == 13
    assert min(b - a for a, b in itertools.pairwise(slots)) == INTERVAL_US


def test_a_pace_that_fell_behind_starts_from_now(pace: SharedPace) -> None:
    pace.reserve(TEAM, 5, INTERVAL_US, at(0.0))
    later = pace.reserve(TEAM, 2, INTERVAL_US, at(10.0))
    assert later.start_us == round((T0 + 10.0) * US)  # no credit for the idle seconds


def test_a_runner_that_dies_holding_a_reservation_blocks_nobody_after_its_slots(
    pace: SharedPace, other_runner: SharedPace
) -> None:
    dead = pace.reserve(TEAM, 10, INTERVAL_US, at(0.0))  # then its runner is killed
    waiting = other_runner.reserve(TEAM, 1, INTERVAL_US, at(0.1))
    assert waiting.start_us == dead.end_us  # waits out the dead runner's half second, no more
    after = other_runner.reserve(TEAM, 1, INTERVAL_US, at(0.6))
    assert after.start_us == round((T0 + 0.6) * US)  # nothing left to wait for


def test_a_dead_pacer_holds_the_workspace_at_most_a_lead_and_a_block(
    pace: SharedPace, other_runner: SharedPace
) -> None:
    time = FakeTime()
    dead = Pacer(pace, TEAM, 20.0, clock=time, sleep=time.sleep)
    dead.expect(1000)
    dead.acquire()  # reserved ahead, then the process dies: no release, no heartbeat
    alive = Pacer(other_runner, TEAM, 20.0, clock=time, sleep=time.sleep)
    alive.expect(1)
    alive.acquire()
    assert time.now - T0 <= LEAD_SECONDS + BLOCK_SECONDS + 1e-6


def test_a_timeline_far_in_the_future_is_treated_as_now(pace: SharedPace) -> None:
    pace.reserve(TEAM, 1, INTERVAL_US, at(0.0))
    with pace.store.system() as system:
        system.execute(update(SendPace).where(SendPace.team_id == TEAM).values(next_at_us=10**18))
    reservation = pace.reserve(TEAM, 1, INTERVAL_US, at(1.0))
    assert reservation.start_us == round((T0 + 1.0) * US)


def test_a_released_pacer_gives_its_unused_slots_back(
    pace: SharedPace, other_runner: SharedPace
) -> None:
    time = FakeTime()
    done = Pacer(pace, TEAM, 20.0, clock=time, sleep=time.sleep)
    done.acquire()  # no expectation given: a whole block reserved for one post
    done.release()
    alive = Pacer(other_runner, TEAM, 20.0, clock=time, sleep=time.sleep)
    alive.expect(1)
    alive.acquire()
    assert time.now == pytest.approx(T0 + 0.05)  # right after the one slot used


class VirtualTime:
    """Time for several threads that moves only when every one of them sleeps: deterministic
    waits that take no real time (a thread's database calls happen at one virtual instant)."""

    def __init__(self, threads: int, now: float = T0) -> None:
        self.now = now
        self._cond = threading.Condition()
        self._running = threads
        self._sleepers: list[list[Any]] = []  # [wake at, released]

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._cond:
            sleeper = [self.now + max(0.0, seconds), False]
            self._sleepers.append(sleeper)
            self._running -= 1
            self._advance()
            while not sleeper[1]:
                self._cond.wait()

    def done(self) -> None:
        with self._cond:
            self._running -= 1
            self._advance()

    def _advance(self) -> None:
        if self._running or not self._sleepers:
            return
        self.now = max(self.now, min(wake for wake, _ in self._sleepers))
        for sleeper in [s for s in self._sleepers if s[0] <= self.now]:
            self._sleepers.remove(sleeper)
            sleeper[1] = True
            self._running += 1
        self._cond.notify_all()


def test_two_pacers_sending_at_once_post_at_the_shared_rate_and_no_faster(
    pace: SharedPace, other_runner: SharedPace
) -> None:
    time = VirtualTime(threads=2)
    sent: list[tuple[float, int]] = []

    def send(runner: int, shared: SharedPace) -> None:
        pacer = Pacer(shared, TEAM, 20.0, clock=time, sleep=time.sleep)
        pacer.expect(60)
        try:
            for _ in range(60):
                pacer.acquire()
                sent.append((time.now, runner))
            pacer.release()
        finally:
            time.done()

    threads = [threading.Thread(target=send, args=args) for args in ((0, pace), (1, other_runner))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = sorted(t for t, _ in sent)
    assert len(times) == 120
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.05 - 1e-6
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 20
    assert times[-1] - times[0] <= 119 * 0.05 + 1e-6  # together at the full rate, no gaps
    first_second = {runner for t, runner in sent if t < T0 + 1.0}
    assert first_second == {0, 1}  # interleaved, not one after the other


def test_a_stall_drops_the_slots_it_missed_instead_of_bursting(pace: SharedPace) -> None:
    time = FakeTime()
    pacer = Pacer(pace, TEAM, 20.0, block_seconds=0.5, clock=time, sleep=time.sleep)
    pacer.expect(100)
    pacer.acquire()  # ten slots reserved, one used
    time.now += 0.4  # a GC pause, a busy machine: the rest of the block went by unused
    stalled = time.now
    sent = []
    for _ in range(10):
        pacer.acquire()
        sent.append(time.now)
    caught_up = [t for t in sent if t == stalled]  # only slots at most LATE_SLOTS late
    assert len(caught_up) <= LATE_SLOTS + 1
    assert pacer.dropped >= 4  # the block reserved before the stall: dropped, not posted late
    rest = sent[len(caught_up) - 1 :]
    assert min(b - a for a, b in itertools.pairwise(rest)) >= 0.05 - 1e-6


# ---------------------------------------------------------------------------------------------
# Two schedulers, one workspace, real threads, a rate-limited fake Slack

CHANNELS = [f"C0PACE{n:02d}" for n in range(48)]
SLACK_RATE = 20  # chat.postMessage per second across the workspace, as the fake enforces
PACE = 16.0  # what the runners are told: together, 80 % of it


class HalfOutbox(Outbox):
    """A runner that claims every other subscription: each of the two holds half the tick."""

    def __init__(self, store: Store, clock: Clock, parity: int) -> None:
        super().__init__(store, clock)
        self.parity = parity

    def wanted(self, now: datetime) -> list[tuple[Due, str]]:
        return [(d, k) for d, k in super().wanted(now) if d.subscription_id % 2 == self.parity]


def runner(database: Database, clock: Clock, parity: int, base_url: str) -> DigestJobs:
    services = build_services(Store(make_engine(database.url)), clock)
    services.outbox = HalfOutbox(services.store, clock, parity)
    clients = workspace_clients(token="xoxb-test", base_url=base_url)
    return DigestJobs(services, clients, charts=False, workspace_rate=PACE)


def test_two_schedulers_together_stay_under_the_workspace_rate_and_post_each_once(
    services: Services, clock: Clock, database: Database
) -> None:
    setup(services)
    add(services, "add CHK Checkout | investment 120k | return 400k")
    for channel in CHANNELS:
        services.subscriptions.subscribe(ALICE, channel, "daily 09:00 UTC ranking")
    clock.now = datetime.fromisoformat("2027-03-23T09:00:00+00:00")
    with FakeSlack(
        team_id=TEAM,
        channels=[FakeChannel(c, c.lower()) for c in CHANNELS],
        channel_rate_per_second=1,
        workspace_rate_per_second=SLACK_RATE,
        token="xoxb-test",
    ) as fake:
        jobs = [runner(database, clock, parity, fake.base_url) for parity in (0, 1)]
        barrier = threading.Barrier(2)
        reports = []

        def tick(job: DigestJobs) -> None:
            barrier.wait()
            reports.append(job.run_once())

        threads = [threading.Thread(target=tick, args=(job,)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for job in jobs:
            job.services.store.engine.dispose()
        posted = {c: len([p for p in fake.posts_in(c) if p.kind == "message"]) for c in CHANNELS}
        rejected = fake.rejected_total
    assert sorted(r.claimed for r in reports) == [24, 24]  # both sent, at the same time
    assert rejected == 0  # no 429: together they kept to the workspace's rate
    assert posted == dict.fromkeys(CHANNELS, 1)  # each digest once, none lost
    with services.store.system() as system:
        statuses = system.scalars(select(SendPace.team_id))
    assert statuses == [TEAM]


def test_a_429_retry_waits_for_a_slot_of_its_own(services: Services) -> None:
    acquired: list[int] = []

    class Counting:
        def acquire(self) -> None:
            acquired.append(1)

    sleeps: list[float] = []
    with FakeSlack(team_id=TEAM, channels=[FakeChannel("C1", "one")], token="xoxb-test") as fake:
        client = workspace_clients(token="xoxb-test", base_url=fake.base_url, sleep=sleeps.append)
        base = client(TEAM)
        assert base is not None
        paced = PacedClient(base, Counting())  # type: ignore[arg-type]
        fake.fail_next("chat.postMessage", status=429, retry_after=3)
        paced.chat_postMessage(channel="C1", text="hello")
        assert len([p for p in fake.posts_in("C1") if p.kind == "message"]) == 1
    assert sleeps == [3.0]  # Retry-After honoured, through the client's own sleep
    assert len(acquired) == 2  # the retry took a second slot on the pace
