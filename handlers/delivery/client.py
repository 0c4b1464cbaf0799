"""The Slack Web API client: SLACK_API_URL honoured, and slack_sdk's own retry handlers.

429 is retried after exactly what Retry-After says, 500/503 and connection errors with
slack_sdk's backoff; every wait goes through an injectable sleep so tests never really wait.
A message is never posted a second time by Folio itself: only these handlers retry.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

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
