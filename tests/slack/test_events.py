"""Every event manifest.yml subscribes is acknowledged 200: Slack counts a 404 as a failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.slack.conftest import SlackDriver
from tests.slack.test_manifest import load_manifest
from tests.support.slack_requests import (
    API_APP_ID,
    app_home_opened_event,
    app_mention_event,
    app_uninstalled_event,
    message_event,
    sign,
    tokens_revoked_event,
)

TS = "1790000000.000100"
EXAMPLES: dict[str, Callable[[str], dict[str, Any]]] = {
    "message.channels": lambda team: message_event(
        "lunch?", user="U0BOB", channel="C0GENERAL", ts=TS, team=team
    ),
    "message.groups": lambda team: message_event(
        "CHK: on track", user="U0BOB", channel="G0PRIVATE", ts=TS, team=team
    ),
    "message.im": lambda team: message_event(
        "hello", user="U0BOB", channel="D0BOB", ts=TS, team=team
    ),
    "message.mpim": lambda team: {
        **message_event("hi all", user="U0BOB", channel="G0MPIM", ts=TS, team=team),
        "channel_type": "mpim",
    },
    "app_mention": lambda team: app_mention_event(
        "<@UFOLIOBOT> help", user="U0BOB", channel="C0GENERAL", ts=TS, team=team
    ),
    "app_home_opened": lambda team: app_home_opened_event(user="U0BOB"),
    "app_uninstalled": lambda team: app_uninstalled_event(),
    "tokens_revoked": lambda team: tokens_revoked_event(bot=["UFOLIOBOT"]),
}
SUBSCRIBED = load_manifest()["settings"]["event_subscriptions"]["bot_events"]


def test_every_subscribed_event_has_an_example_here() -> None:
    assert set(SUBSCRIBED) == set(EXAMPLES)


@pytest.mark.parametrize("subscription", SUBSCRIBED)
def test_each_subscribed_event_is_acknowledged(slack: SlackDriver, subscription: str) -> None:
    slack.command("setup Products")
    _, response = slack.event(EXAMPLES[subscription](slack.team))  # asserts 200
    assert response.status_code == 200
    slack.drain()
    assert slack.fake.errors == []


@pytest.mark.parametrize(
    "subtype", ["channel_join", "bot_message", "message_changed", "thread_broadcast", "me_message"]
)
def test_message_subtypes_folio_ignores_are_acknowledged_too(
    slack: SlackDriver, subtype: str
) -> None:
    event = {
        **message_event("x", user="U0BOB", channel="C0GENERAL", ts=TS, team=slack.team),
        "subtype": subtype,
    }
    _, response = slack.event(event)
    assert response.status_code == 200


def test_slack_saying_we_are_rate_limited_is_acknowledged(slack: SlackDriver) -> None:
    body = json.dumps(
        {
            "token": "legacy-verification-token-dummy",
            "type": "app_rate_limited",
            "team_id": slack.team,
            "minute_rate_limited": 1518467820,
            "api_app_id": API_APP_ID,
        }
    )
    response = slack.post(body, sign(body))
    assert response.status_code == 200
