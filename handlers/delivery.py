"""Fan out many chat.postMessage calls within Slack's rate limits, without idling.

Messages to one channel keep their order and are spaced by ``per_channel_interval`` (counted
from the end of the previous post to that channel, so the spacing holds as Slack sees it);
messages to different channels go out in parallel from a thread pool; an optional global pacer
(a token bucket holding one token) keeps the whole fan-out under a workspace rate. A worker
never waits on a channel that is cooling down while another channel has a message ready.

429, 5xx and connection errors are retried by slack_sdk's own retry handlers (see
``build_client``); this module never posts a message a second time itself. A permanent error
for a channel (the bot was removed, the channel was archived) settles that channel's remaining
messages with the same error without calling Slack; a permanent error for the token
(``invalid_auth``, ``account_inactive``, …) settles every message not yet started.
"""

from __future__ import annotations

import heapq
import logging
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

logger = logging.getLogger(__name__)

CHANNEL_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "team_access_not_granted",
    }
)
TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "account_inactive",
        "not_authed",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "not_allowed_token_type",
    }
)
MESSAGE_ERRORS = frozenset(
    {
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "too_many_attachments",
        "invalid_arguments",
    }
)
PERMANENT_ERRORS = CHANNEL_ERRORS | TOKEN_ERRORS | MESSAGE_ERRORS

_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class Outgoing:
    """One message to post; ``id`` is the caller's idempotency id."""

    id: str
    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one Outgoing: posted (with its ts) or not (with Slack's error code)."""

    id: str
    channel: str
    ok: bool
    ts: str | None
    error: str | None
    permanent: bool


Sleep = Callable[[float], None]


class _SleepsThrough:
    """Backoff through an injectable sleep, so tests wait without sleeping for real."""

    sleep: Sleep
    interval_calculator: RetryIntervalCalculator

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class _RetryAfter(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler: wait exactly what Retry-After says (1 s if it says nothing)."""

    def __init__(self, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("429 without a response")
        state.next_attempt_requested = True
        wait = 1.0
        for name, values in response.headers.items():
            if name.lower() == "retry-after" and values:
                try:
                    wait = max(0.0, float(values[0]))
                except ValueError:
                    wait = 1.0
        self.sleep(wait)
        state.increment_current_attempt()


class _ServerError(_SleepsThrough, ServerErrorRetryHandler):
    """slack_sdk's 500/503 handler with its backoff."""

    def __init__(self, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep


class _ConnectionError(_SleepsThrough, ConnectionErrorRetryHandler):
    """slack_sdk's connection-error handler with its backoff."""

    def __init__(self, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep


def build_client(
    token: str | None, *, base_url: str, max_retries: int = 5, sleep: Sleep = time.sleep
) -> WebClient:
    """A WebClient that honours SLACK_API_URL and retries 429 (after Retry-After), 500/503
    and connection errors with slack_sdk's retry handlers."""
    return WebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            _RetryAfter(max_retries, sleep),
            _ServerError(max_retries, sleep),
            _ConnectionError(max_retries, sleep),
        ],
    )


def deliver(
    client: WebClient,
    messages: Sequence[Outgoing],
    *,
    per_channel_interval: float = 1.0,
    workspace_rate: float | None = None,
    workers: int = 16,
    on_outcome: Callable[[Outcome], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Post every message once with chat.postMessage; return one Outcome each, in input order.

    ``on_outcome`` is called from a worker thread as each message is settled. If it (or the
    client) raises, no further message is started; messages not started are settled with
    ``not_started`` and the first exception is re-raised once the posts in flight finish.
    """
    _check_arguments(messages, per_channel_interval, workspace_rate, workers)
    if not messages:
        return []
    pacer = _Pacer(workspace_rate, clock, sleep) if workspace_rate is not None else None
    fanout = _Fanout(messages, per_channel_interval, clock, sleep, on_outcome)
    threads = [
        threading.Thread(
            target=_work, args=(client, fanout, pacer), name=f"deliver-{n}", daemon=True
        )
        for n in range(min(workers, fanout.lane_count))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return fanout.results()


def _check_arguments(
    messages: Sequence[Outgoing],
    per_channel_interval: float,
    workspace_rate: float | None,
    workers: int,
) -> None:
    repeated = [id_ for id_, count in Counter(m.id for m in messages).items() if count > 1]
    if repeated:
        raise ValueError(f"message id {repeated[0]!r} appears twice; each message is posted once")
    if per_channel_interval < 0:
        raise ValueError("per_channel_interval must not be negative")
    if workspace_rate is not None and workspace_rate <= 0:
        raise ValueError("workspace_rate must be positive")
    if workers < 1:
        raise ValueError("workers must be at least 1")


def _work(client: WebClient, fanout: _Fanout, pacer: _Pacer | None) -> None:
    while (job := fanout.take()) is not None:
        lane, index, message = job
        try:
            if pacer is not None:
                pacer.acquire()
            outcome = _post(client, message)
        except Exception as error:
            fanout.stop(error)
            outcome = _failure(message, "exception")
        fanout.complete(lane, index, outcome)


def _post(client: WebClient, message: Outgoing) -> Outcome:
    try:
        response = client.chat_postMessage(
            channel=message.channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=message.thread_ts,
        )
    except SlackApiError as error:
        return _failure(message, _api_error_code(error))
    except (SlackClientError, OSError) as error:
        logger.warning("slack post failed id=%s channel=%s: %s", message.id, message.channel, error)
        return _failure(message, "connection_error")
    ts = response.get("ts")
    return Outcome(
        id=message.id,
        channel=message.channel,
        ok=True,
        ts=ts if isinstance(ts, str) else None,
        error=None,
        permanent=False,
    )


def _failure(message: Outgoing, error: str) -> Outcome:
    permanent = error in PERMANENT_ERRORS
    logger.warning(
        "slack post failed id=%s channel=%s error=%s permanent=%s",
        message.id,
        message.channel,
        error,
        permanent,
    )
    return Outcome(
        id=message.id,
        channel=message.channel,
        ok=False,
        ts=None,
        error=error,
        permanent=permanent,
    )


def _api_error_code(error: SlackApiError) -> str:
    response = error.response
    data = response.data if response is not None else None
    code = data.get("error") if isinstance(data, dict) else None
    if isinstance(code, str) and _ERROR_CODE.fullmatch(code):
        return code
    status = response.status_code if response is not None else 0
    return f"http_{status}"


class _Pacer:
    """A token bucket of capacity one: successive acquisitions are 1/rate seconds apart."""

    def __init__(
        self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free: float | None = None

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            slot = now if self._next_free is None else max(now, self._next_free)
            self._next_free = slot + self._interval
        if slot > now:
            self._sleep(slot - now)


@dataclass
class _Lane:
    """The messages for one channel, in order, with when the next one may go."""

    channel: str
    pending: deque[tuple[int, Outgoing]] = field(default_factory=deque)
    ready_at: float = 0.0


class _Fanout:
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
        self._heap: list[tuple[float, int, _Lane]] = []
        self._in_flight = 0
        self._token_error: str | None = None
        self._raised: BaseException | None = None
        lanes: dict[str, _Lane] = {}
        for index, message in enumerate(messages):
            lanes.setdefault(message.channel, _Lane(message.channel)).pending.append(
                (index, message)
            )
        start = clock()
        for order, lane in enumerate(lanes.values()):
            lane.ready_at = start
            self._heap.append((start, order, lane))
        self._order = len(lanes)
        self.lane_count = len(lanes)

    def take(self) -> tuple[_Lane, int, Outgoing] | None:
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

    def complete(self, lane: _Lane, index: int, outcome: Outcome) -> None:
        """Record a message's outcome, then reschedule its lane or settle what cannot go now."""
        settled = [(index, outcome)]
        with self._condition:
            self._in_flight -= 1
            if outcome.error in TOKEN_ERRORS and self._token_error is None:
                self._token_error = outcome.error
            stop_error = self._stop_error()
            if stop_error is not None:
                settled += self._settle_lane(lane, stop_error)
                while self._heap:
                    settled += self._settle_lane(heapq.heappop(self._heap)[2], stop_error)
            elif outcome.error in CHANNEL_ERRORS:
                settled += self._settle_lane(lane, outcome.error)
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
                settled += self._settle_lane(heapq.heappop(self._heap)[2], "not_started")
            for settled_index, settled_outcome in settled:
                self._results[settled_index] = settled_outcome
            self._condition.notify_all()
        self._report(settled_outcome for _, settled_outcome in settled)

    def results(self) -> list[Outcome]:
        """All outcomes in input order; re-raises an exception from on_outcome."""
        if self._raised is not None:
            raise self._raised
        return [outcome for outcome in self._results if outcome is not None]

    def _stop_error(self) -> str | None:
        if self._token_error is not None:
            return self._token_error
        if self._raised is not None:
            return "not_started"
        return None

    def _settle_lane(self, lane: _Lane, error: str) -> list[tuple[int, Outcome]]:
        settled = [
            (
                index,
                Outcome(
                    id=message.id,
                    channel=message.channel,
                    ok=False,
                    ts=None,
                    error=error,
                    permanent=error in PERMANENT_ERRORS,
                ),
            )
            for index, message in lane.pending
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
