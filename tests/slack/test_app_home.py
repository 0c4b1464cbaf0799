"""App Home through Bolt: published on app_home_opened, role-aware, valid, kept current."""

from __future__ import annotations

import pytest

from tests.conftest import OTHER_TEAM, Clock
from tests.slack.conftest import SlackDriver, payload_text
from tests.slack.surfaces import buttons, homes, open_home, press, text_of
from tests.slack.test_digests import jobs_for
from tests.support.slack_requests import app_home_opened_event


@pytest.fixture
def ready(slack: SlackDriver, clock: Clock) -> SlackDriver:
    slack.command("setup Products | budget 1m")
    slack.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    slack.command("add PAY Payments | owner <@U0DAN|dan> | investment 300k | return 500k")
    slack.command("set PAY | health off track")
    slack.command("add CHK One-page checkout | target 2027-Q2", command="/roadmap")
    slack.command("add CHK Saved carts | target 2027-Q3", command="/roadmap")
    slack.command("add CHK Apple Pay", command="/roadmap")
    slack.command("add CHK Gift cards", command="/roadmap")
    slack.command("set CHK | confidence 60% | why the pilot converted", user="U0BOB")
    slack.command("digest weekly mon 09:00 UTC both", channel="C0ROADMAP")
    clock.advance(days=7)  # a new week: no update yet this week
    return slack


def test_an_owner_sees_their_products_next_items_and_what_needs_an_update(
    ready: SlackDriver,
) -> None:
    view = open_home(ready, "U0BOB")
    text = text_of(view)
    assert "Your products" in text and "*CHK* Checkout" in text
    assert "needs this week's update" in text
    assert "CHK-1" in text and "CHK-2" in text and "CHK-3" in text  # the next three open items
    assert "CHK-4" not in text and "1 more" in text
    assert "target 2027-Q2" in text
    assert "home_post_update:CHK" in buttons(view) and "home_edit_product:CHK" in buttons(view)
    assert "Pending proposals" not in text  # decisions are for portfolio managers
    assert "Top 2 of 2" in text  # everyone sees the ranking


def test_a_portfolio_manager_also_sees_decisions_risks_budget_and_digests(
    ready: SlackDriver,
) -> None:
    view = open_home(ready, "U0ALICE")
    text = text_of(view)
    assert "portfolio manager" in text
    assert "Pending proposals" in text and "confidence" in text
    assert "home_accept:CHK:confidence" in buttons(view)
    assert "home_reject:CHK:confidence" in buttons(view)
    assert "At risk or off track" in text and "*PAY* Payments" in text
    assert "$420k invested of $1M" in text and "42% used" in text
    assert "Next digests" in text and "<#C0ROADMAP>" in text and "every Monday at 09:00" in text
    assert "Your products" not in text  # alice owns none


def test_everyone_else_sees_the_ranking_and_how_to_ask_for_more(ready: SlackDriver) -> None:
    view = open_home(ready, "U0CAROL")
    text = text_of(view)
    assert "how the portfolio ranks" in text and "*CHK* Checkout" in text
    assert "/portfolio rank" in text
    assert "Your products" not in text and "Pending proposals" not in text
    assert buttons(view) == {}


def test_the_messages_tab_is_acknowledged_and_publishes_nothing(ready: SlackDriver) -> None:
    published = len(homes(ready, "U0BOB"))
    _, response = ready.event(app_home_opened_event(user="U0BOB", tab="messages"))
    ready.drain()
    assert response.status_code == 200
    assert len(homes(ready, "U0BOB")) == published


def test_home_is_republished_after_a_chat_update_and_shows_it(ready: SlackDriver) -> None:
    before = text_of(open_home(ready, "U0BOB"))
    assert "needs this week's update" in before
    published = len(homes(ready, "U0BOB"))
    ready.say("CHK-1: testing, 60%")
    ready.settle(1, kinds=("reaction",))
    ready.drain()
    assert ready.fake.wait_for(lambda f: len(homes(ready, "U0BOB")) == published + 1)
    after = text_of(homes(ready, "U0BOB")[-1])
    assert "CHK-1* One-page checkout — testing 60%" in after
    assert "needs this week's update" not in after
    assert "all updated this week" in after


def test_accept_on_home_applies_the_proposal_and_tells_the_author(ready: SlackDriver) -> None:
    view = open_home(ready, "U0ALICE")
    press(ready, view, "home_accept:CHK:confidence", user="U0ALICE")
    latest = text_of(homes(ready, "U0ALICE")[-1])
    assert "Accepted" in latest and "Pending proposals* · none" in latest
    assert "60%" in payload_text(ready.command("show CHK"))
    dms = [p for p in ready.fake.posts if p.kind == "message" and p.channel == "DU0BOB"]
    assert dms and "accepted" in dms[-1].text.lower()
    assert homes(ready, "U0BOB")  # the author's home shows the change too


def test_a_stale_accept_button_answers_politely_and_changes_nothing(ready: SlackDriver) -> None:
    view = open_home(ready, "U0ALICE")
    press(ready, view, "home_accept:CHK:confidence", user="U0ALICE")
    press(ready, view, "home_accept:CHK:confidence", user="U0ALICE")  # the old tab, again
    latest = text_of(homes(ready, "U0ALICE")[-1])
    assert "CHK has no" in latest and "pending proposal for its confidence" in latest


def test_a_button_from_another_workspace_reads_and_changes_nothing_here(
    ready: SlackDriver,
) -> None:
    view = open_home(ready, "U0ALICE")
    press(ready, view, "home_accept:CHK:confidence", user="U0ALICE", team=OTHER_TEAM)
    there = text_of(homes(ready, "U0ALICE")[-1])  # published for the other workspace's alice
    assert "There is no product `CHK` in this workspace" in there
    assert "Pending proposals* · 1" in text_of(open_home(ready, "U0ALICE"))  # still pending here


def test_a_long_list_stays_within_slacks_limits(slack: SlackDriver) -> None:
    slack.command("setup Products")
    for number in range(60):
        slack.command(f"add P{number:03d} Product {number} | owner <@U0BOB|bob>")
    view = open_home(slack, "U0BOB")  # open_home checks the view against Slack's schema
    assert len(view["blocks"]) <= 100
    assert "50 more products" in text_of(view)


def test_a_button_value_folio_never_wrote_changes_nothing(ready: SlackDriver) -> None:
    view = open_home(ready, "U0ALICE")
    element, _ = buttons(view)["home_accept:CHK:confidence"]
    element["value"] = '{"key": "CHK", "field": "owner"}'  # not a funding input
    press(ready, view, "home_accept:CHK:confidence", user="U0ALICE")
    assert "out of date" in text_of(homes(ready, "U0ALICE")[-1])
    assert "Pending proposals* · 1" in text_of(open_home(ready, "U0ALICE"))


def test_the_ranking_moves_since_the_last_digest(ready: SlackDriver, clock: Clock) -> None:
    jobs = jobs_for(ready)
    clock.now = clock.now.replace(hour=9, minute=0)  # Monday 09:00 UTC: the digest is due
    jobs.run_once()
    assert [p for p in ready.fake.posts_in("C0ROADMAP") if p.kind == "message"]
    ready.command("set PAY | return 2m")  # PAY overtakes CHK
    text = text_of(open_home(ready, "U0CAROL"))
    assert "movement since the last digest" in text
    assert "`▲1` *1.* *PAY*" in text and "`▼1` *2.* *CHK*" in text


def test_home_is_republished_after_a_typed_command_changes_what_it_shows(
    ready: SlackDriver,
) -> None:
    before = text_of(open_home(ready, "U0BOB"))
    assert "*CHK* Checkout · on track" in before
    published = len(homes(ready, "U0BOB"))
    asker = len(homes(ready, "U0ALICE"))
    ready.command("set CHK | health off track")  # by alice, a manager; CHK is bob's
    assert ready.fake.wait_for(lambda f: len(homes(ready, "U0BOB")) == published + 1)
    after = text_of(homes(ready, "U0BOB")[-1])
    assert "*CHK* Checkout · off track" in after
    assert len(homes(ready, "U0ALICE")) == asker + 1, "the asker's own tab is refreshed too"


def test_a_read_only_command_republishes_nothing(ready: SlackDriver) -> None:
    open_home(ready, "U0BOB")
    published = len(homes(ready, "U0BOB"))
    ready.command("show CHK")
    ready.command("rank")
    assert len(homes(ready, "U0BOB")) == published
