"""The shared state of one fan-out: a lane per channel, ready by time, and the results.

A lane keeps its channel's messages in order and knows when the next may go. A channel that
refused settles its lane with the same outcome; a token problem, or an exception from the
caller, settles every lane not yet started.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from domain.delivery import Delivery, DeliveryOutcome
from handlers.delivery.errors import NOT_STARTED, failed
from handlers.delivery.outcomes import Outcome, Outgoing

logger = logging.getLogger("handlers.delivery")


@dataclass
class Lane:
    """The messages for one channel, in order, with when the next one may go."""

    channel: str
    pending: deque[tuple[int, Outgoing]] = field(default_factory=deque)
    ready_at: float = 0.0


class Fanout:
    """Shared state of one delivery: the lanes ready by time, the results, the stop flags."""

    def __init__(
        self,
        messages: Sequence[Outgoing],
        interval: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        on_outcome: Callable[[Outcome], None] | None,
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._on_outcome = on_outcome
        self._results: list[Outcome | None] = [None] * len(messages)
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, Lane]] = []
        self._in_flight = 0
        self._token_problem: DeliveryOutcome | None = None
        self._raised: BaseException | None = None
        lanes: dict[str, Lane] = {}
        for index, message in enumerate(messages):
            lanes.setdefault(message.channel, Lane(message.channel)).pending.append(
                (index, message)
            )
        start = clock()
        for order, lane in enumerate(lanes.values()):
            lane.ready_at = start
            self._heap.append((start, order, lane))
        self._order = len(lanes)
        self.lane_count = len(lanes)

    def take(self) -> tuple[Lane, int, Outgoing] | None:
        """The next message whose channel is ready, waiting as needed; None when all are done."""
        while True:
            with self._condition:
                while not self._heap:
                    if self._in_flight == 0:
                        self._condition.notify_all()
                        return None
                    self._condition.wait()
                ready_at, _, lane = self._heap[0]
                now = self._clock()
                if ready_at <= now:
                    heapq.heappop(self._heap)
                    self._in_flight += 1
                    index, message = lane.pending.popleft()
                    return lane, index, message
            self._sleep(ready_at - now)

    def complete(self, lane: Lane, index: int, outcome: Outcome) -> None:
        """Record a message's outcome, then reschedule its lane or settle what cannot go now."""
        settled = [(index, outcome)]
        with self._condition:
            self._in_flight -= 1
            if outcome.kind is Delivery.TOKEN_PROBLEM and self._token_problem is None:
                self._token_problem = outcome.result
            stopped = self._stopped_with()
            if stopped is not None:
                settled += self._settle_lane(lane, stopped)
                while self._heap:
                    settled += self._settle_lane(heapq.heappop(self._heap)[2], stopped)
            elif outcome.kind is Delivery.CHANNEL_REFUSED:
                settled += self._settle_lane(lane, outcome.result)
            elif lane.pending:
                lane.ready_at = self._clock() + self._interval
                self._order += 1
                heapq.heappush(self._heap, (lane.ready_at, self._order, lane))
            for settled_index, settled_outcome in settled:
                self._results[settled_index] = settled_outcome
            self._condition.notify_all()
        self._report(settled_outcome for _, settled_outcome in settled)

    def stop(self, error: BaseException) -> None:
        """Start no further message; deliver() re-raises the first such error at the end."""
        settled: list[tuple[int, Outcome]] = []
        with self._condition:
            if self._raised is None:
                self._raised = error
            while self._heap:
                settled += self._settle_lane(heapq.heappop(self._heap)[2], failed(NOT_STARTED))
            for settled_index, settled_outcome in settled:
                self._results[settled_index] = settled_outcome
            self._condition.notify_all()
        self._report(settled_outcome for _, settled_outcome in settled)

    def results(self) -> list[Outcome]:
        """All outcomes in input order; re-raises an exception from on_outcome."""
        if self._raised is not None:
            raise self._raised
        return [outcome for outcome in self._results if outcome is not None]

    def _stopped_with(self) -> DeliveryOutcome | None:
        """What every message not started gets once the fan-out stops, if it has stopped."""
        if self._token_problem is not None:
            return self._token_problem
        if self._raised is not None:
            return failed(NOT_STARTED)
        return None

    def _settle_lane(self, lane: Lane, result: DeliveryOutcome) -> list[tuple[int, Outcome]]:
        """Give the lane's remaining messages this result without posting them."""
        settled = [
            (index, Outcome(message.id, message.channel, result)) for index, message in lane.pending
        ]
        lane.pending.clear()
        return settled

    def _report(self, outcomes: Iterable[Outcome]) -> None:
        if self._on_outcome is None:
            return
        for outcome in outcomes:
            try:
                self._on_outcome(outcome)
            except Exception as error:
                logger.exception("on_outcome failed for id=%s; stopping the fan-out", outcome.id)
                self.stop(error)
