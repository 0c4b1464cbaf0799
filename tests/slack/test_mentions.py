"""@Folio: help and cards answered in the mention's thread; mistakes only to their author."""

from __future__ import annotations

import pytest

from console.loopback import Post
from handlers import buttons
from tests.slack.conftest import SlackDriver, payload_text
from tests.support.blockkit import assert_valid_message
from tests.support.clicks import element
from tests.support.slack_requests import app_mention_event


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    slack.command("add CHK Checkout v2 | target 2027-Q3", command="/roadmap")
    return slack


def mention(
    slack: SlackDriver, text: str, *, thread_ts: str | None = None, user: str = "U0BOB"
) -> tuple[str, list[Post]]:
    """Someone writes `text` (mentioning Folio) in #general; returns its ts and the answers."""
    ts = slack.next_ts()
    slack.fake.add_message("C0GENERAL", user=user, text=text, ts=ts, thread_ts=thread_ts)
    before = len(slack.fake.posts)
    event = app_mention_event(
        text, user=user, channel="C0GENERAL", ts=ts, team=slack.team, thread_ts=thread_ts
    )
    slack.event(event)
    slack.drain()
    posted = slack.fake.posts[before:]
    for post in posted:
        if post.blocks:
            assert_valid_message({"text": post.text, "blocks": post.blocks})
    return ts, posted


def test_help_is_answered_in_the_mentions_thread(ready: SlackDriver) -> None:
    ts, (answer,) = mention(ready, "<@UFOLIOBOT> help")
    assert (answer.kind, answer.channel, answer.thread_ts) == ("message", "C0GENERAL", ts)
    assert "`@Folio CHK`" in payload_text(answer)
    ts, (bare,) = mention(ready, "<@UFOLIOBOT>")
    assert bare.thread_ts == ts and "`@Folio CHK`" in payload_text(bare)


def test_a_key_gets_the_card_with_its_buttons_in_the_thread(ready: SlackDriver) -> None:
    ts, (card,) = mention(ready, "<@UFOLIOBOT> chk")
    assert card.kind == "message" and card.thread_ts == ts
    assert "CHK · Checkout" in payload_text(card)
    element(card, buttons.OPEN_ROADMAP)
    assert card.blocks == ready.command("show CHK").blocks


def test_a_mention_inside_a_thread_answers_in_that_thread(ready: SlackDriver) -> None:
    parent = ready.fake.add_message("C0GENERAL", user="U0ALICE", text="launch plan?")
    _, (card,) = mention(ready, "<@UFOLIOBOT> CHK-1", thread_ts=parent)
    assert card.thread_ts == parent
    assert "Checkout v2" in payload_text(card)


def test_an_unknown_key_is_told_only_to_its_author(ready: SlackDriver) -> None:
    _, posted = mention(ready, "<@UFOLIOBOT> NOPE")
    (told,) = posted
    assert (told.kind, told.user, told.thread_ts) == ("ephemeral", "U0BOB", None)
    assert "NOPE" in payload_text(told)
    assert ready.fake.not_shown == []  # Slack would have shown it (no thread it lacks)


def test_something_else_gets_a_hint_not_silence(ready: SlackDriver) -> None:
    ts, (hint,) = mention(ready, "<@UFOLIOBOT> what should we build next?")
    assert hint.thread_ts == ts and "`@Folio help`" in payload_text(hint)


def test_slacks_retry_of_a_mention_is_answered_once(ready: SlackDriver) -> None:
    """Slack resends an event it thinks went unanswered: the thread gets one answer, not two."""
    ts = ready.next_ts()
    ready.fake.add_message("C0GENERAL", user="U0BOB", text="<@UFOLIOBOT> CHK", ts=ts)
    event = app_mention_event(
        "<@UFOLIOBOT> CHK", user="U0BOB", channel="C0GENERAL", ts=ts, team=ready.team
    )
    before = len(ready.fake.posts)
    event_id, _ = ready.event(event)
    ready.drain()
    ready.event(event, event_id=event_id, retry=1)
    ready.event(event, event_id=event_id, retry=2)
    ready.drain()
    (card,) = ready.fake.posts[before:]
    assert card.thread_ts == ts and "CHK · Checkout" in payload_text(card)


def test_a_bots_mention_is_not_answered_or_kept(ready: SlackDriver) -> None:
    ts = ready.next_ts()
    event = app_mention_event(
        "<@UFOLIOBOT> help", user="U0BOB", channel="C0GENERAL", ts=ts, team=ready.team
    )
    event["bot_id"] = "B0OTHER"
    before = len(ready.fake.posts)
    ready.event(event)
    ready.drain()
    assert ready.fake.posts[before:] == []
