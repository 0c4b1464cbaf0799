"""Folio through Bolt: signed requests over real WSGI, a fake Slack Web API on loopback."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from bot import Folio, Settings, create_app, create_wsgi_app
from console.loopback import FakeChannel, FakeSlack, FakeUser, Post
from tests.conftest import TEAM, Clock, Database
from tests.support.blockkit import assert_valid_message
from tests.support.slack_requests import (
    SIGNING_SECRET,
    event_body,
    message_changed_event,
    message_deleted_event,
    message_event,
    sign,
    slash_command_body,
)

USERS = (
    FakeUser("U0ALICE", "alice", "Alice Park", is_admin=True),
    FakeUser("U0BOB", "bob", "Bob Stone"),
    FakeUser("U0DAN", "dan", "Dan Reyes"),
    FakeUser("U0CAROL", "carol", "Carol Diaz"),
)
CHANNELS = (FakeChannel("C0GENERAL", "general"), FakeChannel("C0ROADMAP", "roadmap"))


@dataclass
class SlackDriver:
    """Sends what Slack would send and reads what the bot sent back."""

    folio: Folio
    fake: FakeSlack
    client: Any
    team: str = TEAM
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _events: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def post(self, body: str, headers: dict[str, str] | None = None) -> Any:
        """POST a body to /slack/events, signed unless headers are given."""
        return self.client.post(
            "/slack/events",
            data=body.encode(),
            headers=headers if headers is not None else sign(body),
        )

    def command(
        self,
        text: str,
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        command: str = "/portfolio",
        team: str | None = None,
    ) -> Post:
        """Run a slash command and return the bot's answer through response_url."""
        before = len(self.fake.posts)
        url = self.fake.new_response_url(channel=channel, user=user)
        body = slash_command_body(
            command,
            text,
            team_id=team or self.team,
            user_id=user,
            channel_id=channel,
            response_url=url,
        )
        response = self.post(body)
        assert response.status_code == 200, response.data
        assert self.fake.wait_for(
            lambda f: any(p.kind == "response" for p in f.posts[before:]), timeout=10
        )
        answer = next(p for p in self.fake.posts[before:] if p.kind == "response")
        self.drain()  # what the listener does after answering (App Home republished) is done
        if answer.blocks:
            assert_valid_message({"text": answer.text, "blocks": answer.blocks})
        assert answer.text
        return answer

    def next_ts(self) -> str:
        return f"1790000000.{next(self._ts):06d}"

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
        team: str | None = None,
    ) -> tuple[str, Any]:
        """Deliver an event_callback; returns its event_id and the HTTP response."""
        event_id = event_id or f"Ev{next(self._events):010d}"
        body = event_body(event, team_id=team or self.team, event_id=event_id)
        headers = sign(body)
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        response = self.post(body, headers)
        assert response.status_code == 200
        return event_id, response

    def say(
        self,
        text: str,
        *,
        user: str = "U0BOB",
        channel: str = "C0ROADMAP",
        ts: str | None = None,
        event_id: str | None = None,
        retry: int | None = None,
    ) -> str:
        """A person posts a message in a channel; returns its ts."""
        ts = ts or self.next_ts()
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.fake.add_message(channel, user=user, text=escaped, ts=ts)
        self.event(
            message_event(escaped, user=user, channel=channel, ts=ts, team=self.team),
            event_id=event_id,
            retry=retry,
        )
        return ts

    def edit(
        self, ts: str, text: str, previous: str, *, user: str = "U0BOB", channel: str = "C0ROADMAP"
    ) -> None:
        self.event(
            message_changed_event(
                text, previous_text=previous, user=user, channel=channel, ts=ts, team=self.team
            )
        )

    def delete(self, ts: str, *, user: str = "U0BOB", channel: str = "C0ROADMAP") -> None:
        self.event(message_deleted_event(user=user, channel=channel, ts=ts, team=self.team))

    def settle(
        self, count: int, kinds: tuple[str, ...] = ("reaction", "ephemeral"), timeout: float = 10
    ) -> list[Post]:
        """Wait until `count` visible effects of these kinds exist; return them."""
        assert self.fake.wait_for(
            lambda f: len([p for p in f.posts if p.kind in kinds]) >= count, timeout=timeout
        ), [p.kind for p in self.fake.posts]
        return [p for p in self.fake.posts if p.kind in kinds]

    def drain(self) -> None:
        """Wait for Bolt's worker threads to finish what they started."""
        self.folio.executor.drain()  # type: ignore[attr-defined]


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, with a way to wait for everything submitted so far."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="test-listener")
        self._futures: list[Future[Any]] = []
        self._lock = threading.Lock()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.append(future)
        return future

    def drain(self, timeout: float = 15) -> None:
        while True:
            with self._lock:
                pending = [f for f in self._futures if not f.done()]
            if not pending:
                return
            wait(pending, timeout=timeout)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    # Fresh copies: a test may remove the bot from a channel or archive it.
    users = [replace(u) for u in USERS]
    channels = [replace(c) for c in CHANNELS]
    with FakeSlack(team_id=TEAM, users=users, channels=channels, token="xoxb-test") as fake:
        yield fake


@pytest.fixture
def slack(database: Database, fake_slack: FakeSlack, clock: Clock) -> Iterator[SlackDriver]:
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        api_url=fake_slack.base_url,
        database_url=database.url,
    )
    folio = create_app(settings, clock=clock, executor=TrackingExecutor())
    wsgi = create_wsgi_app(folio)
    driver = SlackDriver(folio=folio, fake=fake_slack, client=wsgi.test_client())
    yield driver
    driver.drain()
    folio.executor.shutdown(wait=True)
    folio.store.engine.dispose()


def payload_text(post: Post) -> str:
    """Everything a person could read in a post: fallback and block texts."""
    return post.text + "\n" + json.dumps(post.blocks or [], ensure_ascii=False)
