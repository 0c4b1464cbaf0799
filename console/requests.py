"""What the person types, as the signed requests Slack would send to the Bolt app."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest

from console.loopback import FakeSlack, Post
from console.workspace import TEAM_ID, USERS, ConsoleState

MENTION = re.compile(r"(?<![<\w])@([a-z][a-z0-9._-]*)")
FOLIO_MENTION = re.compile(r"(?<![<\w])@folio\b", re.IGNORECASE)
FOLIO_COMMANDS = ("/portfolio", "/roadmap")


def slack_escape(text: str) -> str:
    """Escape &, < and > outside mentions, as Slack does in message and command text."""
    parts = re.split(r"(<@[UW][A-Z0-9]+>)", text)
    return "".join(
        p
        if p.startswith("<@")
        else p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for p in parts
    )


def mentions(text: str) -> str:
    """`@bob` becomes `<@U0BOB>`, as Slack does when you pick a person."""
    names = {u.name: u.id for u in USERS}
    return MENTION.sub(
        lambda m: f"<@{names[m.group(1)]}>" if m.group(1) in names else m.group(0), text
    )


class SlackRequests:
    """Slash commands, messages, edits and deletions, signed and dispatched to Bolt."""

    def __init__(
        self,
        app: Any,
        fake: FakeSlack,
        secret: str,
        state: ConsoleState,
        *,
        show: Callable[[Post], None],
        say: Callable[[str], None],
    ) -> None:
        self.app = app
        self.fake = fake
        self.secret = secret
        self.state = state
        self.show = show
        self.say = say
        self._events = 0
        # Event ids must differ between runs too: a database kept from an earlier session
        # has recorded that session's ids, and a repeated id is treated as Slack's retry.
        self._run = secrets.token_hex(3).upper()

    def slash_command(self, line: str) -> None:
        """Send a slash command the way Slack does (form-encoded, signed)."""
        command, _, text = line.partition(" ")
        if command not in FOLIO_COMMANDS:
            self.say(f"{command} isn't a Folio command. Try /portfolio help or /roadmap help.")
            return
        user, channel = self.state.user, self.state.channel
        body = urlencode(
            {
                "token": "console",
                "team_id": TEAM_ID,
                "team_domain": "console",
                "channel_id": channel.id,
                "channel_name": channel.name,
                "user_id": user.id,
                "user_name": user.name,
                "command": command,
                "text": slack_escape(mentions(text)),
                "api_app_id": "A0FOLIO",
                "is_enterprise_install": "false",
                "response_url": self.fake.new_response_url(channel=channel.id, user=user.id),
                "trigger_id": f"{int(time.time())}.{secrets.randbelow(10**9)}",
            }
        )
        self.dispatch(body, "application/x-www-form-urlencoded")

    def message(self, text: str) -> None:
        """Post a message in the current channel and deliver the `message` event.

        A message that mentions `@Folio` also brings `app_mention`, as in Slack.
        """
        user, channel = self.state.user, self.state.channel
        folio = f"<@{self.fake.bot_user_id}>"
        escaped = slack_escape(mentions(FOLIO_MENTION.sub(folio, text)))
        ts = self.fake.add_message(channel.id, user=user.id, text=escaped)
        self.state.last_message[(user.id, channel.id)] = ts
        event = {
            "type": "message",
            "user": user.id,
            "text": escaped,
            "ts": ts,
            "channel": channel.id,
            "channel_type": "channel",
            "event_ts": ts,
            "team": TEAM_ID,
        }
        self.event(event)
        if folio in escaped:
            mention = {k: v for k, v in event.items() if k != "channel_type"}
            self.event({**mention, "type": "app_mention"})

    def edit(self, text: str) -> None:
        """Edit the last message: a `message_changed` event."""
        user, channel = self.state.user, self.state.channel
        ts = self.state.last_message.get((user.id, channel.id))
        if ts is None or not text:
            self.say("Nothing to edit: post a message first, then `:edit NEW TEXT`.")
            return
        escaped = slack_escape(mentions(text))
        now = f"{time.time():.6f}"
        self.event(
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": channel.id,
                "ts": now,
                "event_ts": now,
                "message": {
                    "type": "message",
                    "user": user.id,
                    "text": escaped,
                    "ts": ts,
                    "edited": {"user": user.id, "ts": now},
                },
                "previous_message": {"type": "message", "user": user.id, "ts": ts},
            }
        )
        self.say("  (edited)")

    def delete(self) -> None:
        """Delete the last message: a `message_deleted` event."""
        user, channel = self.state.user, self.state.channel
        ts = self.state.last_message.pop((user.id, channel.id), None)
        if ts is None:
            self.say("Nothing to delete here.")
            return
        now = f"{time.time():.6f}"
        self.event(
            {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "channel": channel.id,
                "ts": now,
                "deleted_ts": ts,
                "event_ts": now,
                "previous_message": {"type": "message", "user": user.id, "ts": ts},
            }
        )
        self.say("  (message deleted)")

    def event(self, event: dict[str, Any]) -> None:
        """Wrap an event in Slack's event_callback envelope and dispatch it."""
        self._events += 1
        body = json.dumps(
            {
                "token": "console",
                "team_id": TEAM_ID,
                "api_app_id": "A0FOLIO",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{self._run}{self._events:08d}",
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "team_id": TEAM_ID,
                        "user_id": self.fake.bot_user_id,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        )
        self.dispatch(body, "application/json")

    def dispatch(self, body: str, content_type: str) -> Any:
        """Sign the body with the app's signing secret, hand it to Bolt, show its answer."""
        timestamp = str(int(time.time()))
        base = f"v0:{timestamp}:{body}".encode()
        signature = "v0=" + hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()
        request = BoltRequest(
            body=body,
            headers={
                "content-type": [content_type],
                "x-slack-request-timestamp": [timestamp],
                "x-slack-signature": [signature],
            },
        )
        response = self.app.dispatch(request)
        if response.status != 200:
            self.say(f"(Slack would have seen HTTP {response.status}: {response.body})")
        elif response.body:
            self._show_answer(response.body)
        return response

    def _show_answer(self, body: str) -> None:
        payload: dict[str, Any] = json.loads(body) if body.startswith("{") else {"text": body}
        if payload.get("text") or payload.get("blocks"):
            self.show(
                Post(
                    kind="response",
                    channel=self.state.channel.id,
                    user=self.state.user.id,
                    text=payload.get("text", ""),
                    blocks=payload.get("blocks"),
                    extra={"response_type": payload.get("response_type")},
                )
            )
