"""Fan out many chat.postMessage calls within Slack's rate limits, without idling.

Messages to one channel keep their order and are spaced by ``per_channel_interval`` (counted
from the end of the previous post to that channel, so the spacing holds as Slack sees it);
messages to different channels go out in parallel from a thread pool; an optional global pacer
(a token bucket holding one token) keeps the whole fan-out under a workspace rate. A worker
never waits on a channel that is cooling down while another channel has a message ready.

Retries are the client's (handlers.delivery.client); this module never posts a message a
second time itself. Each attempt is classified (handlers.delivery.errors): a channel that
refused settles its remaining messages with the same outcome without calling Slack; a token
problem settles every message not yet started.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.delivery.errors import CONNECTION_ERROR, EXCEPTION, api_error_code, delivered, failed
from handlers.delivery.lanes import Fanout
from handlers.delivery.outcomes import Outcome, Outgoing

logger = logging.getLogger("handlers.delivery")


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
    fanout = Fanout(messages, per_channel_interval, clock, sleep, on_outcome)
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


def _work(client: WebClient, fanout: Fanout, pacer: _Pacer | None) -> None:
    while (job := fanout.take()) is not None:
        lane, index, message = job
        try:
            if pacer is not None:
                pacer.acquire()
            outcome = _post(client, message)
        except Exception as error:
            fanout.stop(error)
            outcome = _failure(message, EXCEPTION)
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
        return _failure(message, api_error_code(error))
    except (SlackClientError, OSError) as error:
        logger.warning("slack post failed id=%s channel=%s: %s", message.id, message.channel, error)
        return _failure(message, CONNECTION_ERROR)
    ts = response.get("ts")
    return Outcome(message.id, message.channel, delivered(ts if isinstance(ts, str) else None))


def _failure(message: Outgoing, error: str) -> Outcome:
    result = failed(error)
    logger.warning(
        "slack post failed id=%s channel=%s error=%s outcome=%s",
        message.id,
        message.channel,
        error,
        result.kind,
    )
    return Outcome(message.id, message.channel, result)


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
