"""The digest scheduler: one APScheduler interval job that asks the database what is due.

Why one polling job instead of one APScheduler job per subscription: subscriptions live in the
database and may be added, changed or removed by any replica (or gunicorn worker), so jobs
that mirror them would need a restart or a cross-process signal. Polling every
``interval_seconds`` (30 s by default) follows the subscriptions without either, and the
exactly-once guarantee comes from the claims in the database, not from the scheduler: several
schedulers on one database post each digest once.

Each tick: claim what is due in batches (``Outbox.claim_due_batches``), each digest composed
once for every channel that shares it; send each batch with handlers.delivery from a sender
thread while the next is claimed; mark each posting as it settles; keep every claim fresh with
a heartbeat from the moment it is taken until it settles; then send the owners' reminders.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]
from slack_sdk import WebClient
from slack_sdk.oauth.token_rotation import TokenRotator

from domain.services import Services
from domain.services.digests import ClaimedPosting
from domain.services.installs import NO_TOKEN
from handlers.delivery import Sleep, build_client, no_token
from handlers.digests.sending import RenderCache, SendResult, send_postings, send_reminders
from handlers.installs import current_bot

log = logging.getLogger("folio.scheduler")

POLL_SECONDS = 30.0
# chat.postMessage across a workspace: paced at 98 % of the 200 per second the loopback Slack
# allows (headroom for arrival jitter), so a large fan-out meets no 429 and its Retry-After.
WORKSPACE_RATE = 196.0
JOB_ID = "folio-digests"
ClientFor = Callable[[str], WebClient | None]


def workspace_clients(
    *,
    token: str | None,
    base_url: str,
    installation_store: Any | None = None,
    sleep: Sleep = time.sleep,
    rotator: TokenRotator | None = None,
) -> ClientFor:
    """Each workspace's client: the one bot token, or the bot token its installation stored.

    A rotating token about to expire is refreshed first (`rotator`, as Bolt does per request).
    """
    shared = build_client(token, base_url=base_url, sleep=sleep) if token else None
    cache: dict[str, WebClient] = {}
    lock = threading.Lock()

    def client_for(team_id: str) -> WebClient | None:
        if shared is not None:
            return shared
        if installation_store is None:
            return None
        bot = current_bot(installation_store, team_id, rotator)
        if bot is None or not bot.bot_token:
            return None
        with lock:
            client = cache.get(team_id)
            if client is None or client.token != bot.bot_token:
                client = build_client(bot.bot_token, base_url=base_url, sleep=sleep)
                cache[team_id] = client
            return client

    return client_for


# ---------------------------------------------------------------------------------------------
# The job


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    claimed: int
    sent: int
    failed: int
    paused: int
    reminders: int


class DigestJobs:
    """The scheduler's job function: post what is due exactly once, then the reminders."""

    def __init__(
        self,
        services: Services,
        clients: ClientFor,
        *,
        charts: bool = True,
        per_channel_interval: float = 1.0,
        workspace_rate: float | None = WORKSPACE_RATE,
        workers: int = 8,
        heartbeat_seconds: float | None = None,
        runner: str | None = None,
    ) -> None:
        self.services = services
        self.clients = clients
        self.charts = charts
        self.per_channel_interval = per_channel_interval
        self.workspace_rate = workspace_rate
        self.workers = workers
        timeout = services.outbox.claim_timeout.total_seconds()
        self.heartbeat_seconds = heartbeat_seconds or max(1.0, timeout / 3)
        self.runner = runner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = threading.Lock()

    def run_once(self) -> TickReport:
        """One tick: claim, compose, send and settle what is due, pipelined; then reminders.

        Claims are taken in batches and held by a heartbeat from the moment they are taken
        (composing included) until they settle; a sender thread posts each batch while the
        next is claimed and composed.
        """
        with self._lock:
            now = self.services.clock()
            with self._heartbeat() as beat:
                sender = _Sender(self, beat)
                sender.start()
                try:
                    for batch in self.services.outbox.claim_due_batches(
                        now, self.runner, on_claim=beat.add
                    ):
                        sender.put(batch)
                finally:
                    sender.finish()
            reminders = 0
            dms = self.services.reminders.claim_due(now)
            for team_id, team_dms in _by_team(dms).items():
                client = self.clients(team_id)
                if client is None:
                    self.services.installs.lost_token(team_id, NO_TOKEN)  # no retry each tick
                    for dm in team_dms:
                        self.services.reminders.done(dm, ok=False, now=now)
                    continue
                reminders += send_reminders(client, self.services, team_dms)
            report = TickReport(
                sender.claimed, sender.sent, sender.failed, sender.paused, reminders
            )
            if report.claimed or dms:
                log.info(
                    "digest tick runner=%s claimed=%s sent=%s failed=%s paused=%s reminders=%s",
                    self.runner,
                    report.claimed,
                    report.sent,
                    report.failed,
                    report.paused,
                    report.reminders,
                )
            return report

    def send_batch(self, batch: Sequence[ClaimedPosting], rendered: RenderCache) -> SendResult:
        """Send one batch of claimed postings, workspace by workspace."""
        total = SendResult()
        for team_id, postings in _by_team(batch).items():
            client = self.clients(team_id)
            if client is None:
                self._no_client(team_id, postings)
                total.unsent += len(postings)
                continue
            result = send_postings(
                client,
                self.services,
                postings,
                charts=self.charts,
                per_channel_interval=self.per_channel_interval,
                workspace_rate=self.workspace_rate,
                workers=self.workers,
                rendered=rendered,
            )
            total.outcomes.extend(result.outcomes)
            total.notices.extend(result.notices)
        return total

    def _no_client(self, team_id: str, batch: Sequence[ClaimedPosting]) -> None:
        """No token for the workspace (uninstalled, revoked): its digests pause until an install.

        The postings keep their retry; paused subscriptions are not claimed, so nothing is
        retried (nor any reminder tried) until an install resumes them.
        """
        paused = self.services.installs.lost_token(team_id, NO_TOKEN)
        log.warning(
            "digest: no bot token for team=%s; %s postings wait, %s subscriptions paused",
            team_id,
            len(batch),
            paused,
        )
        for posting in batch:
            self.services.outbox.record_outcome(posting, no_token(), now=self.services.clock())

    @contextmanager
    def _heartbeat(self) -> Iterator[_Heartbeat]:
        """Keep this runner's claims fresh from claiming to settling, so none is taken over."""
        beat = _Heartbeat()
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(self.heartbeat_seconds):
                try:
                    self.services.outbox.renew_claims(
                        self.runner, beat.held(), self.services.clock()
                    )
                except Exception:
                    log.exception("digest heartbeat failed runner=%s", self.runner)

        thread = threading.Thread(target=run, name="digest-heartbeat", daemon=True)
        thread.start()
        try:
            yield beat
        finally:
            stop.set()
            thread.join()


class _Heartbeat:
    """The claims a runner holds right now: added when claimed, dropped when settled."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def add(self, posting_ids: Iterable[int]) -> None:
        with self._lock:
            self._ids.update(posting_ids)

    def drop(self, posting_ids: Iterable[int]) -> None:
        with self._lock:
            self._ids.difference_update(posting_ids)

    def held(self) -> list[int]:
        with self._lock:
            return sorted(self._ids)


class _Sender(threading.Thread):
    """Sends the batches a tick claims, in order, while the next batch is being composed."""

    def __init__(self, jobs: DigestJobs, beat: _Heartbeat) -> None:
        super().__init__(name="digest-sender", daemon=True)
        self.jobs = jobs
        self.beat = beat
        self.claimed = self.sent = self.failed = self.paused = 0
        self._queue: queue.Queue[list[ClaimedPosting] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._rendered: RenderCache = {}

    def put(self, batch: list[ClaimedPosting]) -> None:
        """Queue a batch for sending; re-raises the sender's failure."""
        if self._error is not None:
            raise self._error
        if batch:
            self._queue.put(batch)

    def finish(self) -> None:
        """Wait for every queued batch to be sent; re-raises the sender's failure."""
        self._queue.put(None)
        self.join()
        if self._error is not None:
            raise self._error

    def _next(self) -> list[ClaimedPosting] | None:
        """The next batch, joined with every batch already waiting: fewer fan-out tails."""
        batch = self._queue.get()
        while batch is not None:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                break
            if more is None:
                self._queue.put(None)
                break
            batch = batch + more
        return batch

    def run(self) -> None:
        while (batch := self._next()) is not None:
            if self._error is not None:
                continue  # drain: those claims go stale and are taken over later
            try:
                result = self.jobs.send_batch(batch, self._rendered)
            except BaseException as error:
                self._error = error
                continue
            finally:
                self.beat.drop(p.posting_id for p in batch)
            self.claimed += len(batch)
            self.sent += result.sent
            self.failed += len(batch) - result.sent
            self.paused += len(result.notices)


def _by_team(items: Sequence[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        grouped[item.team_id].append(item)
    return grouped


# ---------------------------------------------------------------------------------------------
# The APScheduler wiring


class DigestScheduler:
    """APScheduler 3's BackgroundScheduler running DigestJobs.run_once every interval."""

    def __init__(self, jobs: DigestJobs, *, interval_seconds: float = POLL_SECONDS) -> None:
        self.jobs = jobs
        self.interval_seconds = interval_seconds
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": max(1, int(interval_seconds)),
            },
        )
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=interval_seconds, timezone=UTC),
            id=JOB_ID,
            name="post due digests and reminders",
            next_run_time=datetime.now(UTC),
        )

    @property
    def running(self) -> bool:
        """Whether the scheduler thread is running."""
        return bool(self.scheduler.running)

    def start(self) -> None:
        """Start polling (idempotent)."""
        if not self.scheduler.running:
            self.scheduler.start()
            log.info("digest scheduler started every %ss", self.interval_seconds)

    def shutdown(self) -> None:
        """Stop polling; a tick in progress finishes (idempotent)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def tick(self) -> None:
        """The job: one run, with an unexpected failure logged instead of killing the job."""
        try:
            self.jobs.run_once()
        except Exception:
            log.exception("digest tick failed runner=%s", self.jobs.runner)
