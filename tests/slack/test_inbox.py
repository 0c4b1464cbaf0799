"""An event Slack was told we received is processed, exactly once, even when things fail.

Through Bolt with signed requests: the inbox row is written before the 200 (or the answer is
500 and Slack retries), processing that fails on something transient is retried from the
inbox, and /healthz says when the database cannot be written or the inbox backs up.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy import select

from bot import Settings, create_app, create_wsgi_app
from console.loopback import FakeSlack, Post
from domain.models import Base, InboxEvent
from tests.conftest import TEAM, Clock, Database
from tests.slack.conftest import SlackDriver, payload_text
from tests.support.slack_requests import (
    SIGNING_SECRET,
    event_body,
    message_event,
    sign,
    slash_command_body,
)

CLIENT_TRIES = 4  # Bolt's client: one call and three retries


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob>")
    slack.command("add CHK Checkout v2", command="/roadmap")
    return slack


def inbox_row(slack: SlackDriver, event_id: str) -> InboxEvent | None:
    with slack.folio.services.store.system() as system:
        return system.first(select(InboxEvent).where(InboxEvent.event_id == event_id))


def reactions(slack: SlackDriver) -> list[str | None]:
    return [p.ts for p in slack.fake.posts if p.kind == "reaction"]


def update_body(slack: SlackDriver, text: str, event_id: str) -> tuple[str, str]:
    """A message bob posts in #roadmap, as the event_callback body Slack sends; and its ts."""
    ts = slack.next_ts()
    slack.fake.add_message("C0ROADMAP", user="U0BOB", text=text, ts=ts)
    event = message_event(text, user="U0BOB", channel="C0ROADMAP", ts=ts, team=TEAM)
    return event_body(event, team_id=TEAM, event_id=event_id), ts


def retried(body: str) -> dict[str, str]:
    return {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}


def test_an_update_acknowledged_during_a_web_api_outage_is_processed_after_it(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.folio.directory.forget(TEAM, "U0BOB")  # bob is not known yet: Slack must say
    ready.fake.fail_next("users.info", status=500, times=CLIENT_TRIES)
    ts = ready.say("CHK-1: testing 80%", event_id="Ev0OUTAGE")  # answered 200
    ready.drain()
    pending = inbox_row(ready, "Ev0OUTAGE")
    assert pending is not None and pending.processed_at is None
    assert pending.last_error == "PeopleUnavailable: users.info answered HTTP 500"
    assert reactions(ready) == []
    clock.advance(seconds=2)  # Slack is back, and the backoff has passed
    assert ready.folio.inbox.run_once() == 1
    assert reactions(ready) == [ts]
    assert payload_text(ready.command("show CHK")).count("CHK-1: testing 80%") == 1
    processed = inbox_row(ready, "Ev0OUTAGE")
    assert processed is not None and processed.processed_at is not None
    assert processed.attempts == 2


def test_slack_s_retry_of_an_event_still_pending_is_processed_once(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.fake.fail_next("users.info", status=503, times=CLIENT_TRIES)
    body, ts = update_body(ready, "CHK: at risk, vendor late", "Ev0TWICE")
    assert ready.post(body).status_code == 200
    ready.drain()
    assert ready.post(body, retried(body)).status_code == 200
    ready.drain()
    clock.advance(seconds=2)
    ready.folio.inbox.run_once()
    ready.drain()
    assert reactions(ready) == [ts]
    assert payload_text(ready.command("show CHK")).count("vendor late") == 1


def test_an_inbox_that_cannot_be_written_answers_500_and_slack_s_retry_is_kept(
    ready: SlackDriver,
) -> None:
    engine = ready.folio.store.engine
    table = Base.metadata.tables["inbox_events"]
    table.drop(engine)
    body, ts = update_body(ready, "CHK-1: testing 40%", "Ev0NOINBOX")
    assert ready.post(body).status_code == 500  # never 200: Slack will deliver it again
    ready.drain()
    assert reactions(ready) == []
    table.create(engine)
    assert ready.post(body, retried(body)).status_code == 200
    ready.settle(1)
    assert reactions(ready) == [ts]
    assert "CHK-1: testing 40%" in payload_text(ready.command("show CHK"))


def test_messages_that_cannot_be_updates_are_not_written_down(ready: SlackDriver) -> None:
    ready.say("lunch is here", event_id="Ev0LUNCH")
    ready.say("CHK-1: testing 10%", event_id="Ev0UPDATE")
    ready.drain()
    assert inbox_row(ready, "Ev0LUNCH") is None
    stored = inbox_row(ready, "Ev0UPDATE")
    assert stored is not None and stored.processed_at is not None
    assert "token" not in stored.body  # the legacy verification token is not kept


class AckRecorder:
    """The socket mode client's side: which envelopes were acked, and was the row there."""

    logger = logging.getLogger("test.socket_mode")

    def __init__(self, slack: SlackDriver, event_id: str) -> None:
        self.slack = slack
        self.event_id = event_id
        self.acks: list[tuple[str, bool]] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        stored = inbox_row(self.slack, self.event_id) is not None
        self.acks.append((response.envelope_id, stored))


def through_socket_mode(slack: SlackDriver, body: str, envelope: str) -> AckRecorder:
    """Deliver a body the way Bolt's SocketModeHandler does: dispatch, then ack if 200."""
    payload: dict[str, Any] = json.loads(body)
    recorder = AckRecorder(slack, payload["event_id"])
    request = SocketModeRequest(type="events_api", envelope_id=envelope, payload=payload)
    response = run_bolt_app(slack.folio.app, request)
    send_response(recorder, request, response, time.time())  # type: ignore[arg-type]
    return recorder


def test_socket_mode_acks_only_after_the_row_is_written(ready: SlackDriver) -> None:
    body, ts = update_body(ready, "CHK-1: testing 50%", "Ev0SOCKET")
    assert through_socket_mode(ready, body, "env-1").acks == [("env-1", True)]
    ready.settle(1)
    assert reactions(ready) == [ts]
    table = Base.metadata.tables["inbox_events"]
    table.drop(ready.folio.store.engine)
    body, _ = update_body(ready, "CHK-1: testing 60%", "Ev0SOCKETDOWN")
    assert through_socket_mode(ready, body, "env-2").acks == []  # no ack: Slack redelivers
    table.create(ready.folio.store.engine)


def test_healthz_is_ok_when_the_database_takes_writes(slack: SlackDriver) -> None:
    response = slack.client.get("/healthz")
    assert (response.status_code, response.json) == (200, {"ok": True})


def test_healthz_reports_an_inbox_backing_up(ready: SlackDriver, clock: Clock) -> None:
    ready.folio.directory.forget(TEAM, "U0BOB")  # bob is not known yet: Slack must say
    ready.fake.fail_next("users.info", status=500, times=CLIENT_TRIES)
    ready.say("CHK-1: testing 80%")
    ready.drain()
    clock.advance(minutes=4)
    assert ready.client.get("/healthz").status_code == 200
    clock.advance(minutes=2)
    response = ready.client.get("/healthz")
    assert response.status_code == 503
    assert response.json["reason"] == "inbox backing up: 1 waiting, one due for 358 s and not taken"


def test_healthz_stays_ok_while_slack_fails_and_the_inbox_waits_out_its_backoff(
    ready: SlackDriver, clock: Clock
) -> None:
    """Slack down for 20 minutes: the row is retried on its backoff, so no replica is unwell
    (every replica would say so at once, and restarting them all would help nobody)."""
    ready.folio.directory.forget(TEAM, "U0BOB")
    ready.fake.fail_next("users.info", status=429, retry_after=0, times=10_000)
    ready.say("CHK-1: testing 80%")
    ready.drain()
    statuses = []
    for _ in range(40):  # the worker polls every 30 s meanwhile, as a live replica does
        clock.advance(seconds=30)
        ready.folio.inbox.run_once()
        statuses.append(ready.client.get("/healthz").status_code)
    assert ready.folio.services.inbox.backlog().pending == 1  # still waiting on Slack
    assert statuses == [200] * 40


def read_only_url(database: Database, tmp_path: Path) -> str:
    """The test database, opened so that it cannot be written."""
    if database.backend == "sqlite":
        path = tmp_path / "folio.db"
        path.chmod(0o444)  # a read-only file (root ignores that: hence mode=ro too)
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return database.url + "?options=-c%20default_transaction_read_only%3Don"


def test_healthz_is_unhealthy_when_the_database_cannot_be_written(
    database: Database, tmp_path: Path, clock: Clock, fake_slack: FakeSlack
) -> None:
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        api_url=fake_slack.base_url,
        database_url=read_only_url(database, tmp_path),
    )
    folio = create_app(settings, clock=clock)
    try:
        response = create_wsgi_app(folio).test_client().get("/healthz")
    finally:
        folio.store.engine.dispose()
    assert response.status_code == 503
    reason = response.json["reason"]
    assert reason.startswith("database cannot be written")
    assert "readonly database" in reason or "read-only transaction" in reason


# Slash commands go through the inbox too: Slack never sends a command twice, so a command
# acknowledged is one Folio has written down, and runs even if the process dies right after.


def command_body(slack: SlackDriver, text: str, command: str = "/portfolio") -> tuple[str, str]:
    """A slash command alice sends in #general, and the response_url its answer goes to."""
    url = slack.fake.new_response_url(channel="C0GENERAL", user="U0ALICE")
    body = slash_command_body(
        command, text, team_id=TEAM, user_id="U0ALICE", channel_id="C0GENERAL", response_url=url
    )
    return body, url


def answers(slack: SlackDriver, before: int) -> list[Post]:
    return [p for p in slack.fake.posts[before:] if p.kind == "response"]


def command_rows(slack: SlackDriver) -> list[InboxEvent]:
    with slack.folio.services.store.system() as system:
        return list(
            system.scalars(
                select(InboxEvent).where(InboxEvent.event_type == "command").order_by(InboxEvent.id)
            )
        )


def test_a_command_is_written_to_the_inbox_before_it_runs_and_settled_once(
    ready: SlackDriver,
) -> None:
    before = len(command_rows(ready))
    answer = ready.command("add MOB Mobile app")
    assert "MOB" in payload_text(answer)
    rows = command_rows(ready)
    assert len(rows) == before + 1
    row = rows[-1]
    assert row.event_id.startswith("command:") and row.processed_at is not None
    assert row.attempts == 1 and row.body["text"] == "add MOB Mobile app"
    assert "token" not in row.body  # the legacy verification token is not kept


def test_a_command_acknowledged_before_a_crash_runs_and_is_answered_after_the_restart(
    ready: SlackDriver, clock: Clock
) -> None:
    body, _ = command_body(ready, "add MOB Mobile app")
    fields = dict(parse_qsl(body))
    fields.pop("token")
    trigger = fields["trigger_id"]
    # What the middleware wrote before the 200, in a process killed before the listener ran:
    assert ready.folio.services.inbox.receive(TEAM, f"command:{trigger}", "command", fields)
    assert "MOB" not in payload_text(ready.command("list"))
    before = len(ready.fake.posts)
    clock.advance(seconds=3)  # past the grace a fresh row leaves to its own listener
    assert ready.folio.inbox.run_once() == 1  # the worker of the restarted process
    answered = answers(ready, before)
    assert len(answered) == 1 and "MOB" in payload_text(answered[0])
    assert answered[0].channel == "C0GENERAL"
    assert "MOB" in payload_text(ready.command("list"))
    assert ready.folio.inbox.run_once() == 0  # settled: it never runs twice


def test_a_command_the_inbox_cannot_take_is_answered_at_once_and_changes_nothing(
    ready: SlackDriver,
) -> None:
    table = Base.metadata.tables["inbox_events"]
    table.drop(ready.folio.store.engine)
    body, _ = command_body(ready, "add MOB Mobile app")
    before = len(ready.fake.posts)
    response = ready.post(body)
    ready.drain()
    table.create(ready.folio.store.engine)
    assert response.status_code == 200  # a command is never sent again: no 500, an answer
    said = response.get_json()
    assert said["response_type"] == "ephemeral"
    assert "couldn't take that command" in said["text"] and "Nothing was changed" in said["text"]
    assert answers(ready, before) == []
    assert "MOB" not in payload_text(ready.command("list"))


def test_commands_that_find_every_thread_taken_are_told_folio_is_busy_and_still_answered(
    ready: SlackDriver,
) -> None:
    threads = 4  # the test listener pool (tests/slack/conftest.py)
    gate = ready.fake.hold("response_url")  # Slack takes its time to accept answers
    before = len(ready.fake.posts)
    acks = []
    try:
        for _ in range(threads):
            response = ready.post(command_body(ready, "rank roi")[0])
            assert response.status_code == 200
            acks.append(response.data)
        assert ready.fake.wait_for(lambda f: f.waiting("response_url") == threads, timeout=10)
        for _ in range(2):
            response = ready.post(command_body(ready, "rank roi")[0])
            assert response.status_code == 200  # acknowledged at once, never Bolt's 404
            acks.append(response.data)
    finally:
        gate.set()
    ready.drain()
    assert acks[:threads] == [b""] * threads
    for waited in acks[threads:]:
        said = json.loads(waited)
        assert said["response_type"] == "ephemeral" and "Folio is busy" in said["text"]
    assert ready.fake.wait_for(lambda f: len(answers(ready, before)) == threads + 2, timeout=10)
    assert all("ROI" in payload_text(p) for p in answers(ready, before))
