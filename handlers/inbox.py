"""The inbox's Slack side: what Folio processes is written down before Slack hears 200.

Two kinds of request go through it: chat updates (`event_callback`s a processor accepts) and
slash commands. `keep_in_inbox` is a global Bolt middleware; Bolt has verified the request
(signature and timestamp) before it runs. It writes the inbox row and only then lets Bolt go
on: the ack (the 200) leaves after the row is in the database. When the write fails, an event
is answered 500 and Slack delivers it again; a slash command, which Slack never delivers
again, is answered at once with a short "nothing was changed, try again" instead of silence.
Socket Mode acks after `app.dispatch` returns, so the ack there also waits for the row.

The listener (`process_received`) processes the row at once: after the ack over HTTP, before
it in the console (process_before_response, so the answer shows before the next prompt).
`InboxWorker`, a thread started beside the digest scheduler, takes what is left: rows whose
processing failed on something transient (Slack unreachable, the database down), after their
backoff, and rows that a crash left claimed, once their lease runs out. A command acked just
before a kill -9 is therefore run after the restart and answered at its response_url (valid
for 30 minutes; after that the answer falls back to an ephemeral message).

When more commands wait in this process than the listener pool can start at once, the ack
itself says so ("Folio is busy…"), and the answer follows when a thread is free.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.services import Services
from domain.services.inbox import ReceivedEvent, database_unavailable
from handlers.delivery.errors import api_error_code, api_error_status, slack_unavailable
from handlers.directory import PeopleUnavailable
from handlers.errors import ACK_TEXT
from handlers.runners import RunnerName

log = logging.getLogger("folio.inbox")

POLL_SECONDS = 5.0
LISTENER_THREADS = 8  # bot.py sizes Bolt's listener pool with this
PRUNE_SECONDS = 3600.0
ClientFor = Callable[[str], WebClient | None]


class Processor(Protocol):
    """What the inbox needs of a kind of request (chat updates and slash commands)."""

    def accepts(self, body: dict[str, Any]) -> bool:
        """Whether Folio processes this request through the inbox (only those are written)."""
        ...

    def decide(self, body: dict[str, Any], client: WebClient) -> dict[str, Any]:
        """Apply the event to the database; return what is left to do on Slack, as JSON."""
        ...

    def acknowledge(self, decision: dict[str, Any], client: WebClient) -> None:
        """Do on Slack what decide left (react, reply); safe to repeat."""
        ...


class Routed:
    """The inbox's one processor: each request goes to the first processor that accepts it."""

    def __init__(self, *processors: Processor) -> None:
        self.processors = processors

    def accepts(self, body: dict[str, Any]) -> bool:
        """Whether any processor takes this request."""
        return any(processor.accepts(body) for processor in self.processors)

    def decide(self, body: dict[str, Any], client: WebClient) -> dict[str, Any]:
        """The accepting processor's decision, marked with which processor made it."""
        for index, processor in enumerate(self.processors):
            if processor.accepts(body):
                decision = processor.decide(body, client)
                return {
                    "via": index,
                    "decision": decision,
                    REPLAYABLE: bool(decision.get(REPLAYABLE)),
                }
        raise ValueError("no processor accepts this request")

    def acknowledge(self, decision: dict[str, Any], client: WebClient) -> None:
        """Finish on Slack through the processor that decided (a row from before: the first)."""
        if "via" not in decision:
            self.processors[0].acknowledge(decision, client)
            return
        self.processors[int(decision["via"])].acknowledge(decision["decision"], client)


def event_key(body: dict[str, Any]) -> tuple[str, str]:
    """(team_id, event_id) of an event_callback body."""
    event = body.get("event") or {}
    team_id = body.get("team_id") or event.get("team") or ""
    return str(team_id), str(body.get("event_id") or "")


COMMAND = "command"  # the event_type of a slash command's row
REPLAYABLE = "replayable"  # a decision that changed nothing: deciding again is harmless
INBOX_KEY = "folio_inbox_key"  # where the middleware leaves the row's key for the listener
INBOX_EVENT = "folio_inbox_event"  # and the row, claimed for the listener (None: a retry)
RECEIVED_AT = "folio_inbox_received_at"  # when it was written (monotonic seconds)
BUSY = (
    ":hourglass_flowing_sand: Folio is busy right now: your answer follows in a moment. "
    "There is no need to send the command again."
)
NOT_TAKEN = (
    ":warning: I couldn't take that command: my database isn't answering right now. "
    "Nothing was changed. Try again in a minute."
)


def inbox_key(body: dict[str, Any]) -> tuple[str, str, str] | None:
    """(team_id, key, type) of a request the inbox keeps, or None for any other request.

    An event is keyed by Slack's event_id, so Slack's retry finds its row; a slash command by
    its trigger_id (Slack never sends a command twice, and the trigger_id is unique to one).
    """
    if body.get("type") == "event_callback":
        team_id, event_id = event_key(body)
        if not event_id:
            return None
        return team_id, event_id, str((body.get("event") or {}).get("type") or "")
    command = body.get("command")
    if isinstance(command, str) and command:
        trigger = str(body.get("trigger_id") or "")[:50] or uuid.uuid4().hex
        return str(body.get("team_id") or ""), f"{COMMAND}:{trigger}", COMMAND
    return None


class Pending:
    """How many commands this process has taken and not yet answered (for "Folio is busy")."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._count = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        """Count one more; whether it has to wait for a thread (more than capacity taken)."""
        with self._lock:
            self._count += 1
            return self._count > self.capacity

    def leave(self) -> None:
        """Count one fewer."""
        with self._lock:
            self._count = max(0, self._count - 1)


def keep_in_inbox(
    body: dict[str, Any],
    context: BoltContext,
    next_: Callable[[], None],
    *,
    services: Services,
    processor: Processor,
    pending: Pending,
    worker: InboxWorker,
) -> BoltResponse | None:
    """Write what Folio processes to the inbox before Bolt acks it; refuse if we cannot."""
    key = inbox_key(body)
    if key is None or not processor.accepts(body):
        next_()
        return None
    team_id, event_id, event_type = key
    stored = {k: v for k, v in body.items() if k != "token"}
    try:  # written already claimed by this process's listener: one transaction, not two
        event = services.inbox.receive_claimed(team_id, event_id, event_type, stored, worker.runner)
    except Exception as error:  # logged without the body: it holds what people wrote
        if event_type == COMMAND:
            log.error(
                "inbox write failed team=%s command=%s error=%s: told the person",
                team_id,
                body.get("command"),
                describe(error),
            )
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": NOT_TAKEN})
        log.error(
            "inbox write failed team=%s event=%s error=%s: answering 500",
            team_id,
            event_id,
            describe(error),
        )
        return BoltResponse(status=500, body="")
    if event is None:
        log.info("event already in the inbox team=%s event=%s (a retry)", team_id, event_id)
    context[INBOX_KEY] = (team_id, event_id)
    context[INBOX_EVENT] = event
    context[RECEIVED_AT] = time.monotonic()
    if event_type == COMMAND and pending.enter():
        context[ACK_TEXT] = BUSY
    next_()
    return None


def process_received(
    body: dict[str, Any], context: BoltContext, client: WebClient, *, worker: InboxWorker
) -> None:
    """The listener: process the row this request brought, if nobody else has it.

    The row was written claimed by this listener. If the listener starts late (a queue of
    work before it), the claim is renewed first, and left alone if it has run out and another
    runner took the row meanwhile.
    """
    key = context.get(INBOX_KEY)
    if key is None:
        return
    try:
        event: ReceivedEvent | None = context.get(INBOX_EVENT)
        if event is None:  # Slack's retry of a row already written: take it if it is free
            worker.process_event(key[0], key[1], client)
            return
        waited = time.monotonic() - float(context.get(RECEIVED_AT) or 0.0)
        late = waited > worker.services.inbox.policy.lease.total_seconds() / 2
        if late and not worker.services.inbox.renew(event):
            return  # the lease ran out and another runner has it
        worker.process(event, client)
    finally:
        if body.get("command"):
            worker.pending.leave()


def register(app: App, worker: InboxWorker) -> Callable[..., None]:
    """Write what the worker's processor accepts to the inbox before the ack.

    Returns the listener that processes the row right after (the caller registers it for
    the events and commands it serves).
    """
    app.middleware(
        partial(
            keep_in_inbox,
            services=worker.services,
            processor=worker.processor,
            pending=worker.pending,
            worker=worker,  # its runner is read per request: the worker's, not the master's
        )
    )
    return partial(process_received, worker=worker)


def transient(error: BaseException) -> bool:
    """Whether a failure may pass: Slack unreachable or failing on its side, the database down."""
    if isinstance(error, PeopleUnavailable | OSError | http.client.HTTPException):
        return True  # OSError covers URLError, refused and reset connections, timeouts
    if isinstance(error, SlackApiError):
        return slack_unavailable(api_error_status(error), api_error_code(error))
    return database_unavailable(error)


def describe(error: BaseException) -> str:
    """A failure as one short line for the inbox row and the log (never a token or body)."""
    if isinstance(error, SlackApiError):
        return f"Slack {api_error_status(error)} {api_error_code(error)}"
    cause = getattr(error, "orig", None)
    name = type(cause).__name__ if cause is not None else type(error).__name__
    detail = " ".join(str(cause if cause is not None else error).split())[:120]
    return f"{name}: {detail}" if detail else name


class InboxWorker:
    """Processes inbox rows exactly once: claim with a lease, process, settle."""

    def __init__(
        self,
        services: Services,
        processor: Processor,
        clients: ClientFor | None = None,
        *,
        runner: str | None = None,
        poll_seconds: float = POLL_SECONDS,
        batch: int = 10,
        pending: Pending | None = None,
    ) -> None:
        self.services = services
        self.processor = processor
        self.clients = clients
        self._runner = RunnerName(runner)
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.pending = pending or Pending(LISTENER_THREADS)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_prune = 0.0

    @property
    def runner(self) -> str:
        """Who holds this process's claims (handlers.runners: made in the claiming process)."""
        return self._runner.get()

    def process_event(self, team_id: str, event_id: str, client: WebClient) -> str | None:
        """Claim and process one event now; None when it is not due or another runner has it."""
        event = self.services.inbox.claim_event(team_id, event_id, self.runner)
        return self.process(event, client) if event is not None else None

    def run_once(self) -> int:
        """Claim the due rows (a batch at a time) and process them; how many were claimed."""
        claimed = 0
        while not self._stop.is_set():
            events = self.services.inbox.claim(self.runner, limit=self.batch)
            for event in events:
                client = self.clients(event.team_id) if self.clients is not None else None
                if client is None:
                    self._retry(event, "no bot token for this workspace")
                    continue
                self.process(event, client)
            claimed += len(events)
            if len(events) < self.batch:
                break
        if time.monotonic() - self._last_prune > PRUNE_SECONDS:
            self._last_prune = time.monotonic()
            self.services.inbox.prune()
        return claimed

    def process(self, event: ReceivedEvent, client: WebClient) -> str:
        """Process a claimed event and settle it: processed, retry (transient) or failed."""
        try:
            decision = event.outcome
            if decision is None:
                decision = self.processor.decide(event.body, client)
                if not decision.get(REPLAYABLE):  # a change: never decided twice
                    self.services.inbox.keep_outcome(event, decision)
            self.processor.acknowledge(decision, client)
        except Exception as error:
            reason = describe(error)
            if transient(error):
                self._retry(event, reason)
                return "retry"
            log.error(
                "inbox event failed for good team=%s event=%s",
                event.team_id,
                event.event_id,
                exc_info=error,
            )
            self._settle(lambda: self.services.inbox.failed(event, reason))
            return "failed"
        self._settle(lambda: self.services.inbox.processed(event))
        return "processed"

    def _retry(self, event: ReceivedEvent, reason: str) -> None:
        log.warning(
            "inbox event will be retried team=%s event=%s attempt=%s reason=%s",
            event.team_id,
            event.event_id,
            event.attempts,
            reason,
        )
        self._settle(lambda: self.services.inbox.retry_later(event, reason))

    def _settle(self, settle: Callable[[], object]) -> None:
        """Record how an event ended; if even that fails, the lease brings the row back."""
        try:
            settle()
        except Exception:
            log.exception("could not settle an inbox event runner=%s", self.runner)

    @property
    def running(self) -> bool:
        """Whether the worker thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (idempotent): a first pass at once, then every poll_seconds."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="folio-inbox", daemon=True)
        self._thread.start()
        log.info("inbox worker started every %ss runner=%s", self.poll_seconds, self.runner)

    def shutdown(self) -> None:
        """Stop the thread; an event in progress finishes (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("inbox pass failed runner=%s", self.runner)
            self._stop.wait(self.poll_seconds)
