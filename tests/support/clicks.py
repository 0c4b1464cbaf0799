"""Pressing the buttons of a message the bot posted, as Slack would send the click."""

from __future__ import annotations

from typing import Any, Protocol

from console.loopback import FakeSlack, Post
from tests.support.blockkit import assert_valid_message
from tests.support.slack_requests import (
    block_actions_payload,
    interactive_body,
    pressed,
    sign,
)


class Driver(Protocol):
    """What clicking needs of tests.slack.conftest.SlackDriver."""

    fake: FakeSlack
    team: str

    def post(self, body: str, headers: dict[str, str] | None = None) -> Any: ...

    def drain(self) -> None: ...


def elements(post: Post) -> list[tuple[dict[str, Any], str]]:
    """Every interactive element of a post, with the id of the block it is in."""
    found = []
    for index, block in enumerate(post.blocks or []):
        block_id = str(block.get("block_id") or f"b{index}")
        if block.get("type") == "actions":
            found += [(element, block_id) for element in block.get("elements", [])]
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and "action_id" in accessory:
            found.append((accessory, block_id))
    return found


def element(post: Post, action_id: str) -> tuple[dict[str, Any], str]:
    """The element whose action id is `action_id` (or starts with it, up to a `.` suffix)."""
    for candidate, block_id in elements(post):
        name = str(candidate.get("action_id") or "")
        if name == action_id or name.startswith(action_id + "."):
            return candidate, block_id
    names = [str(e.get("action_id")) for e, _ in elements(post)]
    raise AssertionError(f"no {action_id} on the post; it has {names}")


def option_index(menu: dict[str, Any], value: str) -> int:
    """The position of the option whose value is `value`."""
    values = [o["value"] for o in menu["options"]]
    assert value in values, values
    return values.index(value)


def click(
    slack: Driver,
    post: Post,
    action_id: str,
    *,
    user: str = "U0ALICE",
    choose: str | None = None,
    team: str | None = None,
    value: str | None = None,
) -> list[Post]:
    """Press a button (or pick `choose` in a menu) of a post; return what the bot did then.

    `value` replaces the element's value (a forged or stale click); `team` sends the click
    from another workspace.
    """
    found, block_id = element(post, action_id)
    action = pressed(found, block_id, option=option_index(found, choose) if choose else 0)
    if value is not None:
        if "selected_option" in action:
            action["selected_option"] = {**action["selected_option"], "value": value}
        else:
            action["value"] = value
    ephemeral = post.kind in ("ephemeral", "response") and (
        post.extra.get("response_type") != "in_channel"
    )
    channel = post.channel or "C0GENERAL"
    url = slack.fake.new_response_url(
        channel=channel, user=user, message_ts=None if ephemeral else post.ts
    )
    message = None if ephemeral else {"text": post.text, "blocks": post.blocks, "user": "UFOLIOBOT"}
    payload = block_actions_payload(
        action,
        team_id=team or slack.team,
        user_id=user,
        channel_id=channel,
        response_url=url,
        message=message,
        message_ts=post.ts,
        is_ephemeral=ephemeral,
    )
    before = len(slack.fake.posts)
    body = interactive_body(payload)
    response = slack.post(body, sign(body))
    assert response.status_code == 200, response.data
    slack.drain()
    after = slack.fake.posts[before:]
    for shown in after:
        if shown.blocks and shown.kind != "view":
            assert_valid_message({"text": shown.text, "blocks": shown.blocks})
    return after
