"""Updates typed in chat: recorded, reacted to, edited, deleted, retried, refused."""

from __future__ import annotations

import pytest

from tests.slack.conftest import SlackDriver, payload_text
from tests.support.slack_requests import message_event


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    slack.command("add CHK Checkout v2 | target 2027-Q1", command="/roadmap")
    slack.command("add CHK Saved carts", command="/roadmap")
    return slack


def card(slack: SlackDriver) -> str:
    return payload_text(slack.command("show CHK"))


def test_item_update_is_recorded_and_reacted_to(ready: SlackDriver) -> None:
    ts = ready.say("CHK-1: testing, 80% — blocked by the payments vendor")
    reaction = ready.settle(1)[0]
    assert reaction.kind == "reaction" and reaction.extra.get("name") == "white_check_mark"
    assert reaction.ts == ts
    roadmap = payload_text(ready.command("CHK", command="/roadmap"))
    assert "testing 80%" in roadmap and "the payments vendor" in roadmap
    assert "CHK-1: testing, 80%" in card(ready)
    assert [p for p in ready.fake.posts if p.kind == "message"] == []  # no thread reply


def test_product_health_metrics_and_feedback(ready: SlackDriver) -> None:
    ready.say("CHK: at risk, launch slips two weeks")
    ready.say("CHK metrics: revenue 120k, csat 4.4, reach 12000")
    ready.say("CHK feedback: customers want Apple Pay")
    ready.settle(3)
    text = card(ready)
    assert "at risk" in text and "revenue $120k" in text and "csat 4.4" in text
    assert "reach 12,000" in text and "customers want Apple Pay" in text


def test_unknown_prefix_is_ignored_silently(ready: SlackDriver) -> None:
    ready.say("FYI: lunch is here")
    ready.say("NOTE: nothing")
    ready.say("just chatting about CHK-1")
    known = ready.say("CHK-1: testing 10%")
    ready.drain()
    effects = [(p.kind, p.ts) for p in ready.fake.posts if p.kind not in ("response", "view")]
    assert effects == [("reaction", known)]


def test_unknown_item_gets_a_private_reply_and_changes_nothing(ready: SlackDriver) -> None:
    before = payload_text(ready.command("CHK", command="/roadmap"))
    ready.say("CHK-9: done")
    reply = ready.settle(1, kinds=("ephemeral",))[0]
    assert (reply.user, reply.channel, reply.thread_ts) == ("U0BOB", "C0ROADMAP", None)
    assert "CHK-9" in reply.text and "CHK-1 to CHK-2" in reply.text
    assert payload_text(ready.command("CHK", command="/roadmap")) == before


def test_bad_metric_says_how_to_write_it(ready: SlackDriver) -> None:
    ready.say("CHK metrics: revenue lots")
    reply = ready.settle(1, kinds=("ephemeral",))[0]
    assert "revenue" in reply.text and "lots" in reply.text


def test_someone_elses_product_is_refused_privately(ready: SlackDriver) -> None:
    ready.say("CHK-1: done", user="U0CAROL")
    reply = ready.settle(1, kinds=("ephemeral",))[0]
    assert reply.user == "U0CAROL" and "<@U0BOB>" in reply.text
    assert (
        "done" not in payload_text(ready.command("CHK", command="/roadmap")).split("CHK-1")[1][:60]
    )


def test_retried_event_is_recorded_once(ready: SlackDriver) -> None:
    ts = ready.say("CHK: at risk, vendor late", event_id="Ev0RETRY")
    ready.settle(1)
    ready.event(
        {
            "type": "message",
            "user": "U0BOB",
            "text": "CHK: at risk, vendor late",
            "ts": ts,
            "channel": "C0ROADMAP",
            "event_ts": ts,
            "channel_type": "channel",
        },
        event_id="Ev0RETRY",
        retry=1,
    )
    ready.drain()
    assert len([p for p in ready.fake.posts if p.kind == "reaction"]) == 1
    assert card(ready).count("vendor late") == 1


def test_edit_updates_the_record(ready: SlackDriver) -> None:
    ts = ready.say("CHK-1: testing 60%")
    ready.settle(1)
    ready.edit(ts, "CHK-1: testing 90%", previous="CHK-1: testing 60%")
    ready.drain()
    roadmap = payload_text(ready.command("CHK", command="/roadmap"))
    assert "Checkout v2 — testing 90%" in roadmap
    text = card(ready)
    assert "CHK-1: testing 90%" in text and "CHK-1: testing 60%" not in text


def test_delete_retracts_the_update(ready: SlackDriver) -> None:
    ts = ready.say("CHK-1: testing 60%")
    ready.settle(1)
    ready.delete(ts)
    ready.drain()
    roadmap = payload_text(ready.command("CHK", command="/roadmap"))
    assert "Checkout v2 — planned 0%" in roadmap
    assert "CHK-1: testing 60%" not in card(ready)


def test_bot_messages_are_ignored(ready: SlackDriver) -> None:
    ready.event(
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B1",
            "text": "CHK: off track",
            "ts": ready.next_ts(),
            "channel": "C0ROADMAP",
        }
    )
    ready.drain()
    assert "off track" not in card(ready)


def reply_in_thread(slack: SlackDriver, parent: str, text: str, *, user: str = "U0BOB") -> str:
    """A person replies in a thread of #roadmap; returns the reply's ts."""
    ts = slack.next_ts()
    slack.fake.add_message("C0ROADMAP", user=user, text=text, ts=ts, thread_ts=parent)
    slack.event(
        message_event(
            text, user=user, channel="C0ROADMAP", ts=ts, team=slack.team, thread_ts=parent
        )
    )
    return ts


def test_correction_of_a_fresh_top_level_update_is_shown_to_its_author(
    ready: SlackDriver,
) -> None:
    ready.say("CHK-9: done")
    ready.drain()
    shown = [p for p in ready.fake.posts if p.kind == "ephemeral"]
    assert [(p.user, p.channel, p.thread_ts) for p in shown] == [("U0BOB", "C0ROADMAP", None)]
    assert "CHK-9" in shown[0].text
    assert ready.fake.not_shown == []


def test_correction_of_a_bad_edit_is_shown_to_its_author(ready: SlackDriver) -> None:
    ts = ready.say("lunch is here")
    ready.edit(ts, "CHK-9: done", previous="lunch is here")
    ready.drain()
    shown = [p for p in ready.fake.posts if p.kind == "ephemeral"]
    assert [(p.user, p.thread_ts) for p in shown] == [("U0BOB", None)]
    assert ready.fake.not_shown == []


def test_correction_of_a_reply_lands_in_the_parent_s_thread(ready: SlackDriver) -> None:
    parent = ready.say("Release notes for this week", user="U0DAN")
    reply = reply_in_thread(ready, parent, "CHK-9: done")
    ready.drain()
    shown = [p for p in ready.fake.posts if p.kind == "ephemeral"]
    assert [(p.user, p.thread_ts) for p in shown] == [("U0BOB", parent)]
    assert shown[0].thread_ts != reply
    assert ready.fake.not_shown == []
