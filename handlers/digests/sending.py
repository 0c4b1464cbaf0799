"""Sending what the outbox claimed: digests through the fan-out, pause DMs, charts, reminders.

With a `Pacer` (domain.services.digests.pace) every chat.postMessage waits for this runner's
next slot on the workspace's pace, shared by every runner of the database, instead of the
fan-out's own pacer, which knows only this runner's posts.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse

from domain.digest import RankingDigest
from domain.services import Services
from domain.services.digests import ClaimedPosting, Pacer, PauseNotice, ReminderDM
from handlers.blocks import Message
from handlers.delivery import Outcome, Outgoing, deliver
from handlers.digests.messages import digest_message, paused_message, reminder_message

log = logging.getLogger("folio.digests")

SETTLE_GROUP = 50  # delivered postings marked sent in one transaction
SETTLE_SECONDS = 0.25  # ... or after this long, whichever comes first
_PNG_NAME = re.compile(r"[^A-Za-z0-9_-]+")


RenderCache = dict[tuple[Any, ...], Message]


@dataclass
class SendResult:
    """What became of a batch of postings."""

    outcomes: list[Outcome] = field(default_factory=list)
    notices: list[PauseNotice] = field(default_factory=list)
    unsent: int = 0  # postings not tried (no client for their workspace)

    @property
    def sent(self) -> int:
        """Postings Slack accepted."""
        return sum(1 for o in self.outcomes if o.ok)


def send_postings(
    client: WebClient,
    services: Services,
    postings: Sequence[ClaimedPosting],
    *,
    charts: bool = True,
    per_channel_interval: float = 1.0,
    workspace_rate: float | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] | None = None,
    rendered: RenderCache | None = None,
    pacer: Pacer | None = None,
) -> SendResult:
    """Post claimed digests with deliver(), settle each as it goes, DM paused subscribers once.

    With a `pacer`, posts keep to the workspace's shared pace (and `workspace_rate` is unused).
    """
    result = SendResult()
    if not postings:
        return result
    if pacer is not None:
        pacer.expect(len(postings))
        client, workspace_rate = PacedClient(client, pacer), None
    by_id = {str(p.posting_id): p for p in postings}
    messages = []
    for posting in postings:
        message = _message(posting, rendered)
        messages.append(
            Outgoing(
                id=str(posting.posting_id),
                channel=posting.channel_id,
                text=message.text,
                blocks=message.blocks,
            )
        )

    settler = _Settler(services, by_id, result)
    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    try:
        result.outcomes = deliver(
            client,
            messages,
            per_channel_interval=per_channel_interval,
            workspace_rate=workspace_rate,
            workers=workers,
            on_outcome=settler.add,
            **extra,
        )
    finally:
        settler.flush()
    if pacer is not None and result.notices:
        pacer.expect(len(result.notices))
    for notice in result.notices:
        direct_message(client, notice.subscriber_id, paused_message(notice))
    if charts:
        _attach_charts(client, postings, result.outcomes)
    return result


class PacedClient(WebClient):
    """A workspace's client whose every chat.postMessage attempt takes a slot on the shared pace.

    The client's own retries stay (handlers.delivery.client) but for 429: a retry after
    Retry-After is an attempt like any other and waits for its own slot, so retries never
    post on top of the pace (and push the next second over the limit in turn).
    """

    def __init__(self, client: WebClient, pacer: Pacer) -> None:
        limits = [h for h in client.retry_handlers if isinstance(h, RateLimitErrorRetryHandler)]
        super().__init__(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=dict(client.headers),
            logger=client.logger,
            retry_handlers=[h for h in client.retry_handlers if h not in limits],
        )
        self.pacer = pacer
        self.rate_limit_retries = limits[0].max_retry_count if limits else 0
        self._sleep: Callable[[float], None] = (
            getattr(limits[0], "sleep", time.sleep) if limits else time.sleep
        )

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:
        """chat.postMessage in this runner's next slot; a 429 waits Retry-After, then a slot."""
        retries = 0
        while True:
            self.pacer.acquire()
            try:
                return super().chat_postMessage(**kwargs)
            except SlackApiError as error:
                if error.response.status_code != 429 or retries >= self.rate_limit_retries:
                    raise
                retries += 1
                self._sleep(_retry_after(error.response.headers))


def _retry_after(headers: Any) -> float:
    """What a 429's Retry-After header says to wait (1 s if it says nothing readable)."""
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(first))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def _message(posting: ClaimedPosting, rendered: RenderCache | None) -> Message:
    """A posting's message, rendered once per shared digest, cadence, zone and comparison.

    The comparison's time shows to the minute (handlers.render's `when`), so postings whose
    previous digests went out within one minute share one rendering.
    """
    if rendered is None or not posting.composed:
        return digest_message(posting.digest, cadence=posting.cadence, tz=posting.tz)
    since = posting.digest.compared_with
    key = (
        posting.composed,
        posting.cadence,
        posting.tz,
        since.astimezone(UTC).replace(second=0, microsecond=0) if since else None,
        posting.digest.since_subscribed,
    )
    message = rendered.get(key)
    if message is None:
        message = digest_message(posting.digest, cadence=posting.cadence, tz=posting.tz)
        rendered[key] = message
    return message


class _Settler:
    """Settles outcomes as they come: deliveries in groups (one transaction each), others singly.

    A delivered posting is marked sent within SETTLE_SECONDS or SETTLE_GROUP postings, and
    always before send_postings returns; the heartbeat holds its claim until then.
    """

    def __init__(
        self, services: Services, by_id: dict[str, ClaimedPosting], result: SendResult
    ) -> None:
        self.services = services
        self.by_id = by_id
        self.result = result
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._waiting: list[tuple[ClaimedPosting, str | None]] = []
        self._since = time.monotonic()

    def add(self, outcome: Outcome) -> None:
        """Called by a delivery worker as each message settles."""
        posting = self.by_id[outcome.id]
        if not outcome.result.delivered:
            notice = self.services.outbox.record_outcome(
                posting, outcome.result, now=self.services.clock()
            )
            if notice is not None:
                with self._lock:
                    self.result.notices.append(notice)
            return
        with self._lock:
            self._waiting.append((posting, outcome.result.ts))
            due = (
                len(self._waiting) >= SETTLE_GROUP
                or time.monotonic() - self._since >= SETTLE_SECONDS
            )
        if due and self._flushing.acquire(blocking=False):
            try:
                self.flush()
            finally:
                self._flushing.release()

    def flush(self) -> None:
        """Mark every delivered posting waiting as sent."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
            self._since = time.monotonic()
        if waiting:
            self.services.outbox.record_delivered(waiting, now=self.services.clock())


def send_reminders(client: WebClient, services: Services, reminders: Sequence[ReminderDM]) -> int:
    """Send owners' reminder DMs; a failed one is released so a later tick tries again."""
    sent = 0
    for dm in reminders:
        ok = direct_message(client, dm.owner_id, reminder_message(dm))
        services.reminders.done(dm, ok=ok, now=services.clock())
        sent += int(ok)
    return sent


def direct_message(client: WebClient, user_id: str, message: Message) -> bool:
    """DM a person (posting to a user id opens the DM); False when Slack refused."""
    try:
        client.chat_postMessage(channel=user_id, **message.payload())
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("digest direct message failed user=%s: %s", user_id, error)
        return False
    return True


def _attach_charts(
    client: WebClient, postings: Sequence[ClaimedPosting], outcomes: Sequence[Outcome]
) -> None:
    """Weekly ranking digests get the bubble chart in their thread; a failure only logs."""
    posted = {o.id: o for o in outcomes if o.ok and o.ts}
    pngs: dict[tuple[str, str], bytes | None] = {}
    for posting in postings:
        outcome = posted.get(str(posting.posting_id))
        digest = posting.digest
        if outcome is None or posting.cadence != "weekly":
            continue
        if not isinstance(digest, RankingDigest) or not digest.lines:
            continue
        key = (posting.team_id, digest.portfolio)
        if key not in pngs:
            pngs[key] = _bubble_png(digest)
        png = pngs[key]
        if png is None:
            continue
        try:
            client.files_upload_v2(
                channel=posting.channel_id,
                thread_ts=outcome.ts,
                content=png,
                filename=_PNG_NAME.sub("-", digest.portfolio).strip("-") + "-bubbles.png",
                title=f"{digest.portfolio}: confidence × ROI, bubble = investment",
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("digest chart upload failed channel=%s: %s", posting.channel_id, error)


def _bubble_png(digest: RankingDigest) -> bytes | None:
    """The ranking's bubble chart as PNG bytes; None (logged) when drawing fails."""
    try:
        from handlers.charts import BubblePoint, bubble_chart

        points = [
            BubblePoint(
                key=line.key,
                category=line.category,
                confidence=float(line.confidence),
                roi=None if line.roi is None else float(line.roi),
                investment=float(line.investment),
            )
            for line in digest.lines
        ]
        return bubble_chart(points, title=f"{digest.portfolio} · ROI", currency=digest.currency)
    except Exception:
        log.exception("bubble chart failed portfolio=%s", digest.portfolio)
        return None
