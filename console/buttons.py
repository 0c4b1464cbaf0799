"""Buttons on what Folio posts, at the console: numbered as shown, pressed with `:press N`.

Each button or menu on a message, an ephemeral answer or a digest gets the next number when
it is printed (`[1] Open roadmap  [2] Post update`). `:press 2` sends the signed
`block_actions` Slack would send for that click, from whoever you are now, with the message
it was on and a response_url, to the real Bolt app; `:press 3 PAY` picks PAY in a menu.
A message edited later keeps its old numbers too: pressing one is a stale click, as in Slack.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from console.blockkit import Number
from console.loopback import FakeSlack, Post
from console.requests import SlackRequests
from console.workspace import TEAM_ID, ConsoleState

USAGE = "Press a numbered button: `:press 2`, or pick in a menu: `:press 3 PAY`."


@dataclass(frozen=True)
class Pressable:
    """A numbered button or menu, and the post it was shown on."""

    number: int
    element: dict[str, Any]
    block_id: str
    post: Post


class ConsoleButtons:
    """Numbers the buttons of printed posts and presses them through the Bolt app."""

    def __init__(
        self,
        slack: SlackRequests,
        fake: FakeSlack,
        state: ConsoleState,
        *,
        say: Callable[[str], None],
    ) -> None:
        self.slack = slack
        self.fake = fake
        self.state = state
        self.say = say
        self._shown: dict[int, Pressable] = {}
        self._next = 1
        self._lock = threading.Lock()

    def numberer(self, post: Post) -> Number:
        """The numbering for one post about to be printed."""

        def number(element: dict[str, Any], block_id: str) -> int | None:
            if not element.get("action_id") or post.kind in ("view", "delete", "reaction"):
                return None
            with self._lock:
                pressable = Pressable(self._next, dict(element), block_id, post)
                self._shown[pressable.number] = pressable
                self._next += 1
                return pressable.number

        return number

    def press(self, rest: str) -> None:
        """`:press N [CHOICE]`: click button N (or choose CHOICE in menu N)."""
        number, _, choice = rest.strip().partition(" ")
        with self._lock:
            pressable = self._shown.get(int(number)) if number.isdigit() else None
        if pressable is None:
            shown = f"1–{self._next - 1}" if self._next > 1 else "none yet"
            self.say(f"No button {number or '?'} (shown: {shown}). {USAGE}")
            return
        action = self._action(pressable, choice.strip())
        if action is None:
            return
        self.slack.dispatch(
            urlencode({"payload": json.dumps(self._payload(pressable, action))}),
            "application/x-www-form-urlencoded",
        )

    def _action(self, pressable: Pressable, choice: str) -> dict[str, Any] | None:
        element = pressable.element
        action: dict[str, Any] = {
            "action_id": element["action_id"],
            "block_id": pressable.block_id,
            "type": element.get("type"),
            "action_ts": f"{time.time():.6f}",
        }
        if element.get("type") == "button":
            action["text"] = element.get("text")
            if "value" in element:
                action["value"] = element["value"]
            return action
        options = element.get("options") or []
        picked = _pick(options, choice)
        if picked is None:
            names = ", ".join(str((o.get("text") or {}).get("text", "")) for o in options[:20])
            self.say(f"Pick one: `:press {pressable.number} NAME` — {names}")
            return None
        action["selected_option"] = picked
        return action

    def _payload(self, pressable: Pressable, action: dict[str, Any]) -> dict[str, Any]:
        post, user = pressable.post, self.state.user
        channel = post.channel or self.state.channel.id
        ephemeral = post.kind == "ephemeral" or (
            post.kind == "response" and post.extra.get("response_type") != "in_channel"
        )
        ts = post.ts or f"{time.time():.6f}"
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID},
            "api_app_id": self.fake.app_id,
            "token": "console",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"{int(time.time())}.{secrets.randbelow(10**9)}",
            "team": {"id": TEAM_ID, "domain": "console"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": channel},
            "state": {"values": {}},
            "response_url": self.fake.new_response_url(
                channel=channel, user=user.id, message_ts=None if ephemeral else ts
            ),
            "actions": [action],
        }
        if not ephemeral:
            payload["message"] = {
                "type": "message",
                "ts": ts,
                "text": post.text,
                "blocks": post.blocks or [],
                "user": self.fake.bot_user_id,
                "bot_id": self.fake.bot_id,
            }
        return payload


def _pick(options: list[dict[str, Any]], choice: str) -> dict[str, Any] | None:
    """The option named by its first word (`PAY`), its whole text or its value."""
    if not choice:
        return None
    wanted = choice.strip().lower()
    for option in options:
        text = str((option.get("text") or {}).get("text", "")).lower()
        value = str(option.get("value", "")).lower()
        if wanted in (text, value, text.split(" ")[0], value.rsplit(":", 1)[-1]):
            return option
    return None
