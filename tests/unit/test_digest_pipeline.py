"""The tick's sender: deliveries overlap, but never two to one channel at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from domain.services.digests import ClaimedPosting
from handlers.digests.pipeline import BatchSender, Held
from handlers.digests.scheduler import DigestJobs
from handlers.digests.sending import SendResult
from tests.support.forks import names_in_a_fork

WAIT = 10.0  # seconds a test waits for an event before failing, never slept


def posting(posting_id: int, channel: str) -> ClaimedPosting:
    no_digest: Any = None
    return ClaimedPosting(
        posting_id, "T1", channel, posting_id, "U1", "ranking", "p", 1, "daily", "UTC", no_digest
    )


class Deliveries:
    """A send() whose deliveries each wait for the test to let them finish."""

    def __init__(self) -> None:
        self.started: list[list[int]] = []
        self.finished: list[list[int]] = []
        self._cond = threading.Condition()
        self._release: set[int] = set()

    def __call__(self, batch: list[ClaimedPosting]) -> SendResult:
        ids = [p.posting_id for p in batch]
        with self._cond:
            self.started.append(ids)
            self._cond.notify_all()
            assert self._cond.wait_for(lambda: ids[0] in self._release, WAIT)
            self.finished.append(ids)
            self._cond.notify_all()
        return SendResult()

    def finish(self, first_id: int) -> None:
        with self._cond:
            self._release.add(first_id)
            self._cond.notify_all()

    def wait_started(self, count: int) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.started) >= count, WAIT)

    def wait_finished(self, count: int) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.finished) >= count, WAIT)


def test_the_next_batch_starts_while_the_previous_one_still_finishes_its_tail() -> None:
    deliveries = Deliveries()
    sender = BatchSender(deliveries, Held())
    sender.start()
    sender.put([posting(1, "C1"), posting(2, "C2")])
    deliveries.wait_started(1)
    sender.put([posting(3, "C3")])
    deliveries.wait_started(2)  # the first delivery has not finished
    assert deliveries.started == [[1, 2], [3]]
    deliveries.finish(3)
    deliveries.finish(1)
    sender.finish()
    assert sender.claimed == 3


def test_a_channel_still_being_posted_to_waits_for_its_earlier_delivery() -> None:
    deliveries = Deliveries()
    sender = BatchSender(deliveries, Held())
    sender.start()
    sender.put([posting(1, "C1")])
    deliveries.wait_started(1)
    sender.put([posting(2, "C1"), posting(3, "C2")])  # C1's status after its ranking
    deliveries.wait_started(2)
    assert deliveries.started == [[1], [3]]  # C2 goes now, C1 waits for its first post
    deliveries.finish(1)
    deliveries.wait_started(3)
    assert deliveries.started[2] == [2]
    deliveries.finish(2)
    deliveries.finish(3)
    sender.finish()
    assert deliveries.finished.index([1]) < deliveries.finished.index([2])


def test_a_delivery_that_fails_fails_the_tick_and_nothing_more_is_sent() -> None:
    sent: list[int] = []

    def send(batch: list[ClaimedPosting]) -> SendResult:
        sent.extend(p.posting_id for p in batch)
        raise RuntimeError("database gone")

    sender = BatchSender(send, Held())
    sender.start()
    sender.put([posting(1, "C1")])
    with pytest.raises(RuntimeError, match="database gone"):
        sender.finish()
    with pytest.raises(RuntimeError, match="database gone"):
        sender.put([posting(2, "C2")])
    assert sent == [1]


def test_each_forked_worker_claims_digests_under_a_name_of_its_own() -> None:
    """gunicorn builds the jobs in the master and forks the workers: two workers sharing the
    master's runner name would renew and settle each other's claims."""
    services = SimpleNamespace(outbox=SimpleNamespace(claim_timeout=timedelta(minutes=15)))
    jobs = DigestJobs(cast(Any, services), lambda _team: None)
    before = jobs.runner
    assert jobs.runner == before
    first, second, pid = names_in_a_fork(lambda: jobs.runner)
    assert first == second != before
    assert f":{pid}:" in first
    assert DigestJobs(cast(Any, services), lambda _team: None, runner="given").runner == "given"
