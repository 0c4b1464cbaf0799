"""A tick's pipeline: the claims a runner holds, and the sender posting batches as they come.

The outbox claims and composes batches one after another; the sender starts delivering each
as soon as it is queued (joined with whatever else is waiting), while the previous delivery
still finishes its tail: the last channels' second digests a second after their first, a
post retried after Retry-After. So the pace never idles on one slow channel while claimed
digests wait. At most `MAX_DELIVERIES` run at once, sharing the tick's pacers; a posting for
a channel that an earlier delivery still posts to waits for it, so each channel's digests
keep their order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from domain.services.digests import ClaimedPosting
from handlers.digests.sending import SendResult

MAX_DELIVERIES = 2  # deliveries in flight per runner (each with its own delivery threads)


class Held:
    """The claims a runner holds right now (its heartbeat's list): added when claimed,
    dropped when settled."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def add(self, posting_ids: Iterable[int]) -> None:
        """Claimed: keep these fresh from now on."""
        with self._lock:
            self._ids.update(posting_ids)

    def drop(self, posting_ids: Iterable[int]) -> None:
        """Settled: no need to keep these fresh any more."""
        with self._lock:
            self._ids.difference_update(posting_ids)

    def held(self) -> list[int]:
        """The posting ids held, in order."""
        with self._lock:
            return sorted(self._ids)


class BatchSender(threading.Thread):
    """Delivers the batches a tick claims while the next are claimed and composed."""

    def __init__(self, send: Callable[[list[ClaimedPosting]], SendResult], held: Held) -> None:
        super().__init__(name="digest-sender", daemon=True)
        self.send = send
        self.held = held
        self.claimed = self.sent = self.failed = self.paused = 0
        self._cond = threading.Condition()
        self._waiting: list[ClaimedPosting] = []
        self._closed = False
        self._flying: list[set[str]] = []  # the channels of each delivery in flight
        self._error: BaseException | None = None

    def put(self, batch: list[ClaimedPosting]) -> None:
        """Queue a batch for sending; re-raises the sender's failure."""
        if self._error is not None:
            raise self._error
        with self._cond:
            self._waiting.extend(batch)
            self._cond.notify_all()

    def finish(self) -> None:
        """Wait for every queued posting to be sent; re-raises the sender's failure."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.join()
        if self._error is not None:
            raise self._error

    def run(self) -> None:
        while (started := self._next()) is not None:
            batch, channels = started
            threading.Thread(
                target=self._deliver, args=(batch, channels), name="digest-delivery", daemon=True
            ).start()

    def _next(self) -> tuple[list[ClaimedPosting], set[str]] | None:
        """The next postings to deliver (and their channels), once there is room; None: done."""
        with self._cond:
            while True:
                if self._error is not None:
                    self._waiting.clear()  # drain: those claims go stale and are taken over later
                batch = self._startable()
                if batch:
                    channels = {posting.channel_id for posting in batch}
                    self._flying.append(channels)
                    return batch, channels
                if self._closed and not self._waiting and not self._flying:
                    return None
                self._cond.wait()

    def _startable(self) -> list[ClaimedPosting]:
        """Waiting postings whose channels no delivery in flight posts to, if there is room."""
        if len(self._flying) >= MAX_DELIVERIES or not self._waiting:
            return []
        busy = set().union(*self._flying)
        ready = [p for p in self._waiting if p.channel_id not in busy]
        self._waiting = [p for p in self._waiting if p.channel_id in busy]
        return ready

    def _deliver(self, batch: list[ClaimedPosting], channels: set[str]) -> None:
        try:
            result = self.send(batch)
        except BaseException as error:
            with self._cond:
                self._error = self._error or error
        else:
            with self._cond:
                self.claimed += len(batch)
                self.sent += result.sent
                self.failed += len(batch) - result.sent
                self.paused += len(result.notices)
        finally:
            self.held.drop(posting.posting_id for posting in batch)
            with self._cond:
                self._flying.remove(channels)
                self._cond.notify_all()
