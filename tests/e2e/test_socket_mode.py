"""`python bot.py socket` end to end: a real process, Slack's Web API and WebSocket on loopback.

The process opens its connection through SLACK_API_URL (`apps.connections.open` answers the
stand-in's ws:// URL), then gets what Slack would send over the socket: a slash command, an
event, a button and a form submission. Each envelope is acknowledged with its envelope_id
(and the `response_action` when a form has an error); each answer reaches the Web API.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from console.loopback import FakeChannel, FakeSlack, FakeUser, Post
from handlers import buttons
from tests.e2e.conftest import PYTHON, ROOT, clean_env
from tests.support.blockkit import assert_valid_message
from tests.support.slack_requests import (
    app_mention_event,
    block_actions_payload,
    event_body,
    pressed,
    slash_command_body,
    submitted_view,
    view_submission_payload,
)
from tests.support.socket_mode import SocketModeStandIn

TEAM = "T0E2E"
APP_TOKEN = "xapp-1-A0FOLIO-e2e"  # a dummy
BOT_TOKEN = "xoxb-e2e"


@dataclass
class Running:
    """The bot process with its two loopback Slacks."""

    fake: FakeSlack
    socket: SocketModeStandIn
    process: subprocess.Popen[str]

    def output(self) -> str:
        self.process.terminate()
        out, _ = self.process.communicate(timeout=20)
        return out

    def command(self, text: str, *, user: str = "U0ALICE") -> tuple[dict[str, Any] | None, Post]:
        """A slash command over the socket: its acknowledgement and the answer it got."""
        before = len(self.fake.posts)
        url = self.fake.new_response_url(channel="C0GENERAL", user=user)
        body = slash_command_body(
            "/portfolio", text, team_id=TEAM, user_id=user, channel_id="C0GENERAL", response_url=url
        )
        envelope = self.socket.send(
            "slash_commands", dict(parse_qsl(body)), accepts_response_payload=True
        )
        ack = self.socket.ack(envelope)
        return ack, self.next_post(before, answers_a_command)

    def next_post(self, before: int, wanted: Any, timeout: float = 20) -> Post:
        assert self.fake.wait_for(
            lambda f: any(wanted(p) for p in f.posts[before:]), timeout=timeout
        ), [(p.kind, p.text[:80]) for p in self.fake.posts[before:]]
        return next(p for p in self.fake.posts[before:] if wanted(p))


def answers_a_command(post: Post) -> bool:
    """A command's answer: its response_url post, or the form it opens (not a Home refresh)."""
    if post.kind == "view":
        return post.extra.get("method") != "views.publish"
    return post.kind == "response"


@pytest.fixture(params=[["socket"]], ids=["socket"])
def running(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Running]:
    """`python bot.py [ARGS]` with both Slacks on loopback (indirect params: the arguments)."""
    users = [
        FakeUser("U0ALICE", "alice", "Alice Park", is_admin=True),
        FakeUser("U0BOB", "bob", "Bob Stone"),
    ]
    with (
        FakeSlack(
            team_id=TEAM, users=users, channels=[FakeChannel("C0GENERAL", "general")]
        ) as fake,
        SocketModeStandIn() as socket,
    ):
        fake.socket_url = socket.url
        env = clean_env(
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'folio.db'}",
        )
        process = subprocess.Popen(
            [PYTHON, str(ROOT / "bot.py"), *request.param],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        run = Running(fake, socket, process)
        try:
            yield run
        finally:
            if process.poll() is None:
                process.terminate()
                process.communicate(timeout=20)


@pytest.mark.parametrize("running", [[], ["socket"]], ids=["default", "socket"], indirect=True)
def test_socket_mode_opens_its_connection_through_slack_api_url(running: Running) -> None:
    """With SLACK_APP_TOKEN set, `python bot.py` alone picks Socket Mode too."""
    connected = running.socket.wait_connected(60)
    output = running.output()
    assert connected, output
    call = running.fake.calls_to("apps.connections.open")[0]
    assert call.token == APP_TOKEN
    assert APP_TOKEN not in output and BOT_TOKEN not in output  # no token is ever logged
    assert running.socket.errors == []


def test_a_command_an_event_a_button_and_a_form_each_acknowledged_and_answered(
    running: Running,
) -> None:
    fake, socket = running.fake, running.socket
    assert socket.wait_connected(60), running.output()

    # A slash command: acknowledged with its envelope_id alone, answered through response_url.
    ack, answer = running.command("setup Products")
    assert ack is not None and set(ack) == {"envelope_id"}
    assert "Products" in answer.text
    _, added = running.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k")
    assert "CHK" in added.text

    # An event: @Folio CHK, answered with the card in the mention's thread.
    before = len(fake.posts)
    ts = fake.add_message("C0GENERAL", user="U0ALICE", text="<@UFOLIOBOT> CHK")
    mention = app_mention_event(
        "<@UFOLIOBOT> CHK", user="U0ALICE", channel="C0GENERAL", ts=ts, team=TEAM
    )
    envelope = socket.send("events_api", json.loads(event_body(mention, team_id=TEAM)))
    assert socket.ack(envelope) == {"envelope_id": envelope}
    card = running.next_post(before, lambda p: p.kind == "message" and p.thread_ts == ts)
    assert "CHK · Checkout" in json.dumps(card.blocks, ensure_ascii=False)
    assert_valid_message({"text": card.text, "blocks": card.blocks})

    # A button on that card: acknowledged, the roadmap shown to the clicker.
    before = len(fake.posts)
    roadmap = next(
        e
        for b in card.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == buttons.OPEN_ROADMAP
    )
    click = block_actions_payload(
        pressed(roadmap, "msg_card_CHK"),
        team_id=TEAM,
        user_id="U0ALICE",
        channel_id="C0GENERAL",
        response_url=fake.new_response_url(channel="C0GENERAL", user="U0ALICE", message_ts=card.ts),
        message={"text": card.text, "blocks": card.blocks, "user": "UFOLIOBOT"},
        message_ts=card.ts,
    )
    envelope = socket.send("interactive", click)
    assert socket.ack(envelope) == {"envelope_id": envelope}
    shown = running.next_post(before, lambda p: p.kind == "response")
    assert "Roadmap · CHK Checkout" in shown.text + json.dumps(shown.blocks, ensure_ascii=False)

    # A form: `/portfolio add` alone opens it; a bad key comes back next to the field.
    ack, _form = running.command("add")
    assert ack is not None and set(ack) == {"envelope_id"}
    assert fake.wait_for(
        lambda f: any(v.get("callback_id") == "modal_add_product" for v in f.views.values())
    )
    (view,) = [v for v in fake.views.values() if v.get("callback_id") == "modal_add_product"]
    bad = submitted_view(
        view,
        {
            "key": {"type": "plain_text_input", "value": "x"},
            "name": {"type": "plain_text_input", "value": "Mobile"},
        },
        view_id=view["id"],
    )
    envelope = socket.send(
        "interactive",
        view_submission_payload(bad, team_id=TEAM, user_id="U0ALICE"),
        accepts_response_payload=True,
    )
    refused = socket.ack(envelope)
    assert refused is not None and refused["envelope_id"] == envelope
    assert refused["payload"]["response_action"] == "errors"
    assert set(refused["payload"]["errors"]) == {"key"}

    # … and a good one closes the form and is confirmed as the command would be.
    before = len(fake.posts)
    good = submitted_view(
        view,
        {
            "key": {"type": "plain_text_input", "value": "MOB"},
            "name": {"type": "plain_text_input", "value": "Mobile"},
        },
        view_id=view["id"],
    )
    envelope = socket.send(
        "interactive",
        view_submission_payload(good, team_id=TEAM, user_id="U0ALICE"),
        accepts_response_payload=True,
    )
    accepted = socket.ack(envelope)
    assert accepted is not None and accepted["envelope_id"] == envelope
    assert "errors" not in json.dumps(accepted)
    confirmed = running.next_post(before, lambda p: "MOB" in p.text + json.dumps(p.blocks))
    assert confirmed.kind in ("response", "message", "ephemeral")
    assert socket.errors == []
    output = running.output()
    assert APP_TOKEN not in output and BOT_TOKEN not in output
    assert "Traceback" not in output, output
