"""The digest scheduler: one APScheduler interval job that asks the database what is due.

Why one polling job instead of one APScheduler job per subscription: subscriptions live in the
database and may be added, changed or removed by any replica (or gunicorn worker), so jobs
that mirror them would need a restart or a cross-process signal. Polling every
``interval_seconds`` (30 s by default) follows the subscriptions without either, and the
exactly-once guarantee comes from the claims in the database, not from the scheduler: several
schedulers on one database post each digest once.

Each tick: claim what is due in batches (``Outbox.claim_due_batches``), each digest composed
once for every channel that shares it; send each batch with handlers.delivery from a sender
thread while the next is claimed, one delivery's tail overlapping the next
(handlers.digests.pipeline); mark each posting as it settles; keep every claim fresh with a
heartbeat from the moment it is taken until it settles; then send the owners' reminders.

Every chat.postMessage of a tick keeps to its workspace's shared pace (one ``Pacer`` per
workspace per tick, domain.services.digests.pace): Slack's limit is per app per workspace, so
all runners together, not each of them, stay under ``workspace_rate``. The pacer gives back
the slots it did not use when the tick ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]
from slack_sdk import WebClient
from slack_sdk.oauth.token_rotation import TokenRotator

from domain.services import Services
from domain.services.digests import ClaimedPosting, Pacer
from domain.services.installs import NO_TOKEN
from handlers.delivery import Sleep, build_client, no_token
from handlers.digests.pipeline import BatchSender, Held
from handlers.digests.sending import (
    PacedClient,
    RenderCache,
    SendResult,
    send_postings,
    send_reminders,
)
from handlers.installs import current_bot
from handlers.runners import RunnerName

log = logging.getLogger("folio.scheduler")

POLL_SECONDS = 30.0
# chat.postMessage across a workspace, every runner together: 98 % of the 200 per second the
# loopback Slack allows (headroom for arrival jitter), so a large fan-out meets no 429 and its
# Retry-After.
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
        self._runner = RunnerName(runner)
        self._lock = threading.Lock()
        self._pacers_lock = threading.Lock()

    @property
    def runner(self) -> str:
        """Who holds this process's claims (handlers.runners: made in the claiming process)."""
        return self._runner.get()

    def run_once(self) -> TickReport:
        """One tick: claim, compose, send and settle what is due, pipelined; then reminders.

        Claims are taken in batches and held by a heartbeat from the moment they are taken
        (composing included) until they settle; a sender thread posts each batch while the
        next is claimed and composed (handlers.digests.pipeline).
        """
        with self._lock:
            now = self.services.clock()
            pacers: dict[str, Pacer] = {}
            rendered: RenderCache = {}
            try:
                with self._heartbeat() as held:
                    send = partial(self.send_batch, rendered=rendered, pacers=pacers)
                    sender = BatchSender(send, held)
                    sender.start()
                    try:
                        for batch in self.services.outbox.claim_due_batches(
                            now, self.runner, on_claim=held.add
                        ):
                            sender.put(batch)
                    finally:
                        sender.finish()
                reminders, dms = self._remind(now, pacers)
            finally:
                self._release(pacers)
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

    def send_batch(
        self,
        batch: Sequence[ClaimedPosting],
        rendered: RenderCache | None = None,
        pacers: dict[str, Pacer] | None = None,
    ) -> SendResult:
        """Send one batch of claimed postings, workspace by workspace, each on its shared pace."""
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
                pacer=self._pacer(team_id, pacers),
            )
            total.outcomes.extend(result.outcomes)
            total.notices.extend(result.notices)
        return total

    def _pacer(self, team_id: str, pacers: dict[str, Pacer] | None) -> Pacer | None:
        """The tick's pacer for a workspace (None: unpaced, or paced by this runner alone)."""
        if pacers is None or self.workspace_rate is None:
            return None
        with self._pacers_lock:  # deliveries in flight side by side ask for it at once
            pacer = pacers.get(team_id)
            if pacer is None:
                pacer = Pacer(self.services.outbox.pace, team_id, self.workspace_rate)
                pacers[team_id] = pacer
            return pacer

    def _release(self, pacers: dict[str, Pacer]) -> None:
        """Give every workspace back the slots this tick reserved and did not use."""
        for team_id, pacer in pacers.items():
            try:
                pacer.release()
            except Exception:
                log.exception("digest pace release failed runner=%s team=%s", self.runner, team_id)

    def _remind(self, now: datetime, pacers: dict[str, Pacer]) -> tuple[int, list[Any]]:
        """Send the owners' reminder DMs that are due, on each workspace's pace."""
        reminders = 0
        dms = self.services.reminders.claim_due(now)
        for team_id, team_dms in _by_team(dms).items():
            client = self.clients(team_id)
            if client is None:
                self.services.installs.lost_token(team_id, NO_TOKEN)  # no retry each tick
                for dm in team_dms:
                    self.services.reminders.done(dm, ok=False, now=now)
                continue
            pacer = self._pacer(team_id, pacers)
            if pacer is not None:
                pacer.expect(len(team_dms))
                client = PacedClient(client, pacer)
            reminders += send_reminders(client, self.services, team_dms)
        return reminders, dms

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
    def _heartbeat(self) -> Iterator[Held]:
        """Keep this runner's claims fresh from claiming to settling, so none is taken over."""
        beat = Held()
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
