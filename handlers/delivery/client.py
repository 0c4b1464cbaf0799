"""The Slack Web API client: SLACK_API_URL honoured, and slack_sdk's own retry handlers.

429 is retried after exactly what Retry-After says, 500/503 and connection errors with
slack_sdk's backoff; every wait goes through an injectable sleep so tests never really wait.
A message is never posted a second time by Folio itself: only these handlers retry.

Every client has a timeout suited to its calls (a Slack that hangs must not hold a thread):
TIMEOUT for ordinary calls, LOOKUP_TIMEOUT for users.info (`with_timeout`, which also caps
how long a 429 may make it wait), UPLOAD_TIMEOUT for file uploads. A read that times out is
not retried: the caller answers at once instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

Sleep = Callable[[float], None]
TIMEOUT = 10  # seconds: chat.postMessage, reactions, conversations.open …
LOOKUP_TIMEOUT = 3  # users.info: the answer to a person waits on it
UPLOAD_TIMEOUT = 30  # files_upload_v2 sends the file itself
RESPONSE_URL_TIMEOUT = 5


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

    def __init__(self, max_retry_count: int, sleep: Sleep, max_wait: float | None = None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return self.max_wait is None or response is None or _retry_after(response) <= self.max_wait

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
        self.sleep(_retry_after(response))
        state.increment_current_attempt()


def _retry_after(response: HttpResponse) -> float:
    """What a 429's Retry-After says to wait (1 s if it says nothing readable)."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                return 1.0
    return 1.0


class _ServerError(_SleepsThrough, ServerErrorRetryHandler):
    """slack_sdk's 500/503 handler with its backoff."""

    def __init__(self, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep


class _ConnectionError(_SleepsThrough, ConnectionErrorRetryHandler):
    """slack_sdk's connection-error handler with its backoff; a timeout is not retried."""

    def __init__(self, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if isinstance(error, URLError) and isinstance(error.reason, TimeoutError):
            return False  # Slack took too long to accept: waiting again holds a thread again
        return super()._can_retry(state=state, request=request, response=response, error=error)


def retry_handlers(
    max_retries: int, sleep: Sleep = time.sleep, *, max_wait: float | None = None
) -> list[RetryHandler]:
    """slack_sdk's handlers for 429 (after Retry-After, at most max_wait), 500/503 and
    connection errors: the one retry policy for Web API calls and response_url answers."""
    return [
        _RetryAfter(max_retries, sleep, max_wait),
        _ServerError(max_retries, sleep),
        _ConnectionError(max_retries, sleep),
    ]


def build_client(
    token: str | None,
    *,
    base_url: str,
    max_retries: int = 5,
    sleep: Sleep = time.sleep,
    timeout: int = TIMEOUT,
    logger: logging.Logger | None = None,
) -> WebClient:
    """A WebClient that honours SLACK_API_URL and retries 429 (after Retry-After), 500/503
    and connection errors with slack_sdk's retry handlers."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(max_retries, sleep),
        logger=logger,
    )


def with_timeout(client: WebClient, timeout: int, *, max_wait: float | None = None) -> WebClient:
    """The same client (token, URL, retries) with another timeout; 429 waits capped at max_wait."""
    handlers = list(client.retry_handlers)
    if max_wait is not None:
        handlers = [
            _RetryAfter(h.max_retry_count, h.sleep, max_wait) if isinstance(h, _RetryAfter) else h
            for h in handlers
        ]
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        logger=client.logger,
        retry_handlers=handlers,
    )
