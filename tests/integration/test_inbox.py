"""The inbox on a real database: received once, claimed by one runner, settled for good."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import event, select

from domain.models import InboxEvent
from domain.services import Services
from domain.services.inbox import InboxPolicy, ReceivedEvent
from handlers.inbox import InboxWorker
from tests.conftest import TEAM, Clock


def body(event_id: str, text: str = "CHK: at risk") -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": TEAM,
        "event_id": event_id,
        "event": {"type": "message", "user": "U0BOB", "text": text, "ts": "1.000001"},
    }


class Recorder:
    """A processor that records what it was given (and can fail on demand)."""

    def __init__(self, *, delay: float = 0.0, fail: BaseException | None = None) -> None:
        self.decided: list[str] = []
        self.acknowledged: list[str] = []
        self.delay = delay
        self.fail = fail
        self._lock = threading.Lock()

    def accepts(self, body: dict[str, Any]) -> bool:
        return True

    def decide(self, body: dict[str, Any], client: WebClient) -> dict[str, Any]:
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        with self._lock:
            self.decided.append(body["event_id"])
        return {"event_id": body["event_id"]}

    def acknowledge(self, decision: dict[str, Any], client: WebClient) -> None:
        with self._lock:
            self.acknowledged.append(decision["event_id"])


CLIENT = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/")


def worker(services: Services, processor: Recorder, runner: str) -> InboxWorker:
    return InboxWorker(services, processor, lambda _team: CLIENT, runner=runner, batch=5)


def row(services: Services, event_id: str) -> InboxEvent:
    with services.store.system() as system:
        found = system.first(select(InboxEvent).where(InboxEvent.event_id == event_id))
        assert found is not None
        return found


def test_a_retried_event_id_is_written_once(services: Services) -> None:
    assert services.inbox.receive(TEAM, "Ev1", "message", body("Ev1")) is True
    assert services.inbox.receive(TEAM, "Ev1", "message", body("Ev1")) is False
    assert services.inbox.receive("T0OTHER", "Ev1", "message", body("Ev1")) is True
    assert services.inbox.backlog().pending == 2


def test_two_workers_never_process_the_same_row(services: Services, clock: Clock) -> None:
    ids = [f"Ev{n:04d}" for n in range(60)]
    for event_id in ids:
        services.inbox.receive(TEAM, event_id, "message", body(event_id))
    clock.advance(seconds=5)  # past the listener's grace
    processor = Recorder(delay=0.005)
    workers = [worker(services, processor, f"runner-{n}") for n in range(4)]
    barrier = threading.Barrier(len(workers))

    def run(w: InboxWorker) -> None:
        barrier.wait()
        w.run_once()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(processor.decided) == Counter(ids)  # each once, none twice
    assert Counter(processor.acknowledged) == Counter(ids)
    assert services.inbox.backlog().pending == 0
    assert len({row(services, event_id).claimed_by for event_id in ids}) > 1


def test_the_request_s_own_listener_goes_first(services: Services, clock: Clock) -> None:
    services.inbox.receive(TEAM, "Ev1", "message", body("Ev1"))
    processor = Recorder()
    assert worker(services, processor, "background").run_once() == 0  # within the grace
    assert worker(services, processor, "listener").process_event(TEAM, "Ev1", CLIENT) == (
        "processed"
    )
    assert worker(services, processor, "listener").process_event(TEAM, "Ev1", CLIENT) is None
    assert processor.decided == ["Ev1"]


def test_a_row_left_by_a_crash_is_resumed_after_its_lease(services: Services, clock: Clock) -> None:
    services.inbox.receive(TEAM, "Ev1", "message", body("Ev1"))
    crashed = services.inbox.claim_event(TEAM, "Ev1", "crashed-runner")
    assert crashed is not None  # … and the process died before settling it
    processor = Recorder()
    survivor = worker(services, processor, "survivor")
    clock.advance(seconds=30)
    assert survivor.run_once() == 0  # the lease still holds
    clock.advance(seconds=31)
    assert survivor.run_once() == 1
    assert processor.decided == ["Ev1"]
    settled = row(services, "Ev1")
    assert settled.processed_at is not None and settled.attempts == 2
    services.inbox.processed(crashed)  # the first runner's late word changes nothing
    assert row(services, "Ev1").claimed_by == "survivor"


def test_a_transient_failure_is_retried_after_a_backoff(services: Services, clock: Clock) -> None:
    services.inbox.receive(TEAM, "Ev1", "message", body("Ev1"))
    failing = Recorder(fail=ConnectionRefusedError("connection refused"))
    first = worker(services, failing, "w")
    assert first.process_event(TEAM, "Ev1", CLIENT) == "retry"
    pending = row(services, "Ev1")
    assert pending.processed_at is None and pending.claimed_by is None
    assert pending.last_error == "ConnectionRefusedError: connection refused"
    recovered = Recorder()
    later = worker(services, recovered, "w")
    assert later.run_once() == 0  # not before its backoff (2 s)
    clock.advance(seconds=2)
    assert later.run_once() == 1
    assert recovered.decided == ["Ev1"]
    assert row(services, "Ev1").failed_reason is None


def test_a_decision_is_not_taken_twice(services: Services, clock: Clock) -> None:
    """When only the Slack side failed, the retry acknowledges without deciding again."""
    services.inbox.receive(TEAM, "Ev1", "message", body("Ev1"))

    class SlackDown(Recorder):
        def acknowledge(self, decision: dict[str, Any], client: WebClient) -> None:
            raise TimeoutError("reactions.add timed out")

    down = SlackDown()
    assert worker(services, down, "w").process_event(TEAM, "Ev1", CLIENT) == "retry"
    assert down.decided == ["Ev1"]
    clock.advance(seconds=2)
    up = Recorder()
    worker(services, up, "w").run_once()
    assert up.decided == [] and up.acknowledged == ["Ev1"]


def test_a_permanent_failure_is_recorded_with_its_reason(services: Services, clock: Clock) -> None:
    services.inbox.receive(TEAM, "Ev1", "message", body("Ev1"))
    broken = Recorder(fail=KeyError("user"))
    assert worker(services, broken, "w").process_event(TEAM, "Ev1", CLIENT) == "failed"
    failed = row(services, "Ev1")
    assert failed.processed_at is not None and failed.failed_reason == "KeyError: 'user'"
    clock.advance(hours=1)
    assert worker(services, Recorder(), "w").run_once() == 0
    assert services.inbox.backlog().pending == 0


def test_attempts_run_out(services: Services, clock: Clock) -> None:
    services.inbox.policy = replace(InboxPolicy(), max_attempts=2)
    services.inbox.receive(TEAM, "Ev1", "message", body("Ev1"))
    failing = worker(services, Recorder(fail=OSError("unreachable")), "w")
    assert failing.process_event(TEAM, "Ev1", CLIENT) == "retry"
    clock.advance(minutes=1)
    assert failing.run_once() == 1
    failed = row(services, "Ev1")
    assert failed.processed_at is not None
    assert failed.failed_reason == "gave up after 2 attempts: OSError: unreachable"


def test_backlog_names_the_oldest_unsettled_event(services: Services, clock: Clock) -> None:
    assert services.inbox.backlog().oldest is None
    first = clock()
    services.inbox.receive(TEAM, "Ev1", "message", body("Ev1"))
    clock.advance(minutes=3)
    services.inbox.receive(TEAM, "Ev2", "message", body("Ev2"))
    backlog = services.inbox.backlog()
    assert (backlog.pending, backlog.oldest, backlog.unwritable) == (2, first, None)


def test_settled_events_are_forgotten_after_a_week(services: Services, clock: Clock) -> None:
    services.inbox.receive(TEAM, "Ev1", "message", body("Ev1"))
    worker(services, Recorder(), "w").process_event(TEAM, "Ev1", CLIENT)
    clock.advance(days=6)
    assert services.inbox.prune() == 0
    clock.advance(days=2)
    assert services.inbox.prune() == 1


@pytest.mark.parametrize("lease", [timedelta(seconds=60)])
def test_policy_backoff_doubles_and_is_capped(lease: timedelta) -> None:
    policy = InboxPolicy(lease=lease)
    waits = [policy.backoff(n).total_seconds() for n in range(1, 12)]
    assert waits[:4] == [2, 4, 8, 16] and max(waits) == 600


def test_a_row_written_claimed_is_the_listener_s_until_its_lease_runs_out(
    services: Services, clock: Clock
) -> None:
    inbox = services.inbox
    mine = inbox.receive_claimed(TEAM, "Ev0MINE", "message", body("Ev0MINE"), "listener")
    assert mine is not None and mine.attempts == 1 and mine.runner == "listener"
    assert inbox.receive_claimed(TEAM, "Ev0MINE", "message", body("Ev0MINE"), "other") is None
    assert inbox.claim("poller") == []  # held: the poller leaves it alone
    clock.advance(seconds=30)
    assert inbox.renew(mine)  # a late listener renews its own claim
    clock.advance(seconds=45)
    assert inbox.claim("poller") == []  # 45 s after the renewal: still held
    clock.advance(seconds=20)
    [taken] = inbox.claim("poller")  # the lease ran out: another runner takes the row
    assert taken.event_id == "Ev0MINE" and taken.attempts == 2
    assert not inbox.renew(mine)  # and the listener, late, leaves it to that runner
    inbox.processed(taken)
    assert inbox.claim("poller") == []


def taken_over(services: Services, clock: Clock) -> tuple[ReceivedEvent, ReceivedEvent]:
    """A row the listener claimed, then lost to a poller once its lease ran out."""
    mine = services.inbox.receive_claimed(TEAM, "Ev0OLD", "message", body("Ev0OLD"), "listener")
    assert mine is not None
    clock.advance(seconds=61)
    [taken] = services.inbox.claim("poller")
    return mine, taken


def test_an_old_claimant_cannot_settle_a_row_taken_over(services: Services, clock: Clock) -> None:
    inbox = services.inbox
    mine, taken = taken_over(services, clock)
    assert not inbox.renew(mine)
    inbox.keep_outcome(mine, {"stale": True})
    inbox.processed(mine)
    inbox.failed(mine, "too late")
    assert inbox.retry_later(mine, "too late") is not None  # it had attempts left: no effect
    held = row(services, "Ev0OLD")
    assert (held.claimed_by, held.attempts, held.outcome) == ("poller", 2, None)
    assert (held.processed_at, held.failed_reason, held.last_error) == (None, None, None)
    inbox.keep_outcome(taken, {"fresh": True})
    inbox.processed(taken)
    settled = row(services, "Ev0OLD")
    assert settled.processed_at == clock() and settled.outcome == {"fresh": True}
    assert not inbox.renew(taken)  # settled for good: nobody holds it any more


def test_settling_is_one_conditional_update(services: Services, clock: Clock) -> None:
    """No SELECT … FOR UPDATE first: the UPDATE's WHERE is the claim, its row count the answer."""
    mine = services.inbox.receive_claimed(TEAM, "Ev0ONE", "message", body("Ev0ONE"), "listener")
    assert mine is not None
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split())[:40].upper())

    engine = services.store.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        services.inbox.processed(mine)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [s.split()[0] for s in statements if not s.startswith(("BEGIN", "SAVEPOINT"))] == [
        "UPDATE"
    ]
    assert row(services, "Ev0ONE").processed_at == clock()


def test_a_settle_racing_a_takeover_loses_to_it(services: Services, clock: Clock) -> None:
    """The old claimant's UPDATE waits for the takeover's transaction, then matches nothing."""
    inbox = services.inbox
    mine = inbox.receive_claimed(TEAM, "Ev0RACE", "message", body("Ev0RACE"), "listener")
    assert mine is not None
    result: list[bool] = []
    late = threading.Thread(target=lambda: result.append(inbox.renew(mine)))
    with services.store.system() as system:  # the takeover, not committed yet
        taking = system.first(select(InboxEvent).where(InboxEvent.id == mine.id).with_for_update())
        assert taking is not None
        taking.claimed_by, taking.attempts = "poller", 2
        system.flush()
        late.start()
        late.join(timeout=0.5)
        assert late.is_alive()  # waiting on the row (PostgreSQL) or the write lock (SQLite)
    late.join(timeout=30)
    assert result == [False]
    assert row(services, "Ev0RACE").claimed_by == "poller"
