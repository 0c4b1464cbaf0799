"""Buttons on what Folio posts: cards, rankings, digests, reminders, proposal announcements."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from console.loopback import Post
from handlers import buttons
from handlers.digests.scheduler import DigestJobs, workspace_clients
from handlers.home_view import ACCEPT
from tests.conftest import OTHER_TEAM, Clock
from tests.slack.conftest import SlackDriver, payload_text
from tests.support.blockkit import assert_valid_message
from tests.support.clicks import click, element
from tests.support.slack_requests import (
    app_home_opened_event,
    interactive_body,
    pressed,
    sign,
    view_actions_payload,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def ready(slack: SlackDriver, clock: Clock) -> SlackDriver:
    clock.now = datetime(2027, 3, 20, 11, 0, tzinfo=UTC)  # a Saturday
    slack.command("setup Products")
    slack.command(
        "add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k "
        "| confidence 40% | category Growth"
    )
    slack.command("add PAY Payments | owner <@U0DAN|dan> | investment 100k | return 300k")
    slack.command("add CHK Checkout v2 | target 2027-Q3", command="/roadmap")
    return slack


def answers(posts: list[Post], user: str = "U0ALICE") -> list[Post]:
    """What the clicker alone was shown (response_url answers)."""
    return [p for p in posts if p.kind == "response" and p.user == user]


def jobs_for(slack: SlackDriver) -> DigestJobs:
    clients = workspace_clients(token="xoxb-test", base_url=slack.fake.base_url)
    return DigestJobs(slack.folio.services, clients, charts=False, per_channel_interval=0.0)


def dms(slack: SlackDriver, user: str) -> list[Post]:
    return [p for p in slack.fake.posts_in(slack.fake.open_dm(user)) if p.kind == "message"]


# -- cards and rankings ------------------------------------------------------------------------


def test_a_card_opens_its_roadmap_for_the_clicker_only(ready: SlackDriver) -> None:
    card = ready.command("show CHK")
    found, _ = element(card, buttons.OPEN_ROADMAP)
    assert found["value"] == "product:CHK"
    (roadmap,) = answers(click(ready, card, buttons.OPEN_ROADMAP))
    assert roadmap.extra["response_type"] == "ephemeral"
    assert roadmap.extra["replace_original"] is False
    assert "Roadmap · CHK Checkout" in payload_text(roadmap)
    assert "Checkout v2" in payload_text(roadmap)


def test_the_ranking_menu_shows_the_same_card_as_the_command(ready: SlackDriver) -> None:
    ranking = ready.command("rank roi")
    (shown,) = answers(click(ready, ranking, buttons.SHOW_PRODUCT, choose="product:PAY"))
    typed = ready.command("show PAY")
    assert shown.blocks == typed.blocks
    assert shown.extra["response_type"] == "ephemeral"


def test_an_archived_product_is_shown_as_archived_and_takes_no_update(ready: SlackDriver) -> None:
    card = ready.command("show PAY")
    ready.command("remove PAY")
    (shown,) = answers(click(ready, card, buttons.OPEN_ROADMAP))
    assert "PAY was removed (archived)" in payload_text(shown)
    assert "`/portfolio restore PAY`" in payload_text(shown)
    archived_card = ready.command("show PAY")
    assert all(b["type"] != "actions" for b in archived_card.blocks or [])


def test_a_forged_value_changes_nothing_and_says_so(ready: SlackDriver) -> None:
    card = ready.command("show CHK")
    before = payload_text(ready.command("show CHK"))
    for forged in ("product:CHK | investment 1", "<script>", "product:chk", "proposal:CHK:x"):
        (answer,) = answers(click(ready, card, buttons.OPEN_ROADMAP, value=forged))
        assert "That button is out of date" in payload_text(answer)
    assert payload_text(ready.command("show CHK")) == before


def test_a_card_button_from_another_workspace_reads_nothing_of_this_one(
    ready: SlackDriver,
) -> None:
    card = ready.command("show CHK")
    (answer,) = answers(click(ready, card, buttons.OPEN_ROADMAP, team=OTHER_TEAM))
    text = payload_text(answer)
    assert "Checkout" not in text and "CHK-1" not in text
    assert "There is no product `CHK` in this workspace" in text


def test_post_update_opens_the_form_with_the_product_picked(ready: SlackDriver) -> None:
    card = ready.command("show CHK", user="U0BOB")
    after = click(ready, card, buttons.POST_UPDATE, user="U0BOB")
    views = [p for p in after if p.kind == "view"]
    assert views, [p.kind for p in after]
    assert ready.fake.calls_to("views.open")
    final = views[-1].extra["view"]
    assert "CHK" in str(final["blocks"])
    assert_valid_message({"blocks": final["blocks"]}, surface="modal")


# -- digests ----------------------------------------------------------------------------------


def test_both_digests_carry_menus_that_answer_in_private(ready: SlackDriver) -> None:
    ready.command("set PAY | health at risk")
    ready.command("digest weekly mon 09:00 Europe/Berlin both")
    ready.command("digest now")
    posted = [p for p in ready.fake.posts_in("C0GENERAL") if p.kind == "message"]
    assert len(posted) == 2
    for digest in posted:
        assert_valid_message({"text": digest.text, "blocks": digest.blocks})
        menu, _ = element(digest, buttons.SHOW_PRODUCT)
        assert menu["type"] == "static_select"
        (card,) = answers(click(ready, digest, buttons.SHOW_PRODUCT, choose="product:PAY"))
        assert "PAY · Payments" in payload_text(card)
    messages_before = ready.fake.messages("C0GENERAL")
    (roadmap,) = answers(click(ready, posted[0], buttons.OPEN_ROADMAP, choose="product:CHK"))
    assert "Roadmap · CHK" in payload_text(roadmap)
    assert ready.fake.messages("C0GENERAL") == messages_before  # the digest is untouched


def test_a_preview_of_both_digests_keeps_action_ids_unique(ready: SlackDriver) -> None:
    ready.command("set PAY | health at risk")  # the status digest names PAY
    preview = ready.command("digest preview")  # validated (duplicate ids fail) by command()
    menus = [b for b in preview.blocks or [] if b["type"] == "actions"]
    ids = [e["action_id"] for b in menus for e in b["elements"]]
    assert f"{buttons.SHOW_PRODUCT}.RANKING" in ids and f"{buttons.SHOW_PRODUCT}.STATUS" in ids


def test_a_reminder_says_no_change_in_place_and_records_it_once(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin status")
    jobs = jobs_for(ready)
    clock.now = datetime(2027, 4, 4, 9, 0, tzinfo=BERLIN).astimezone(UTC)
    assert jobs.run_once().reminders >= 1
    (reminder,) = dms(ready, "U0BOB")
    assert_valid_message({"text": reminder.text, "blocks": reminder.blocks})
    element(reminder, f"{buttons.POST_UPDATE}.CHK")
    after = click(ready, reminder, f"{buttons.NO_CHANGE}.CHK", user="U0BOB")
    (replaced,) = [p for p in after if p.kind == "response"]
    assert replaced.extra["replace_original"] is True
    assert "Noted: no change on *CHK* this week" in payload_text(replaced)
    assert buttons.NO_CHANGE not in payload_text(replaced)
    card = payload_text(ready.command("show CHK"))
    assert "no change this week" in card
    again = click(ready, reminder, f"{buttons.NO_CHANGE}.CHK", user="U0BOB")  # a stale copy
    assert payload_text(ready.command("show CHK")).count("no change this week") == card.count(
        "no change this week"
    )
    assert again


def test_no_change_from_someone_else_is_refused_and_records_nothing(
    ready: SlackDriver, clock: Clock
) -> None:
    ready.command("digest weekly mon 09:00 Europe/Berlin status")
    clock.now = datetime(2027, 4, 4, 9, 0, tzinfo=BERLIN).astimezone(UTC)
    jobs_for(ready).run_once()
    (reminder,) = dms(ready, "U0BOB")
    (answer,) = answers(
        click(ready, reminder, f"{buttons.NO_CHANGE}.CHK", user="U0CAROL"), "U0CAROL"
    )
    assert answer.extra["replace_original"] is False
    assert "no change this week" not in payload_text(ready.command("show CHK"))


# -- proposals --------------------------------------------------------------------------------


@pytest.fixture
def proposed(ready: SlackDriver) -> SlackDriver:
    ready.command("grant <@U0CAROL|carol> portfolio manager")
    ready.command("set CHK | confidence 90% | investment 150k | why pilot", user="U0BOB")
    return ready


def test_an_announcement_carries_accept_and_reject(proposed: SlackDriver) -> None:
    (announced,) = dms(proposed, "U0CAROL")
    accept, _ = element(announced, buttons.ACCEPT_PROPOSAL)
    assert accept["value"].startswith("proposal:CHK:")
    reject, _ = element(announced, buttons.REJECT_PROPOSAL)
    assert reject["style"] == "danger" and "confirm" in reject


def test_accept_decides_in_place_and_the_owner_hears(proposed: SlackDriver) -> None:
    (announced,) = dms(proposed, "U0CAROL")
    after = click(proposed, announced, buttons.ACCEPT_PROPOSAL, user="U0CAROL")
    (replaced,) = [p for p in after if p.kind == "response"]
    assert replaced.extra["replace_original"] is True
    text = payload_text(replaced)
    assert "accepted by <@U0CAROL>" in text
    assert buttons.ACCEPT_PROPOSAL not in text
    card = payload_text(proposed.command("show CHK"))
    assert "90%" in card and "Pending proposal" not in card
    told = dms(proposed, "U0BOB")
    assert any("accepted your proposal" in payload_text(p) for p in told)


def test_a_decision_by_command_updates_the_posted_announcement(proposed: SlackDriver) -> None:
    (announced,) = dms(proposed, "U0CAROL")
    proposed.command("reject CHK | why too early", user="U0CAROL")
    (update,) = proposed.fake.calls_to("chat.update")
    assert update.params["channel"] == announced.channel
    assert update.params["ts"] == announced.ts
    stored = {m["ts"]: m for m in proposed.fake.messages(announced.channel or "")}[announced.ts]
    assert "rejected by <@U0CAROL>" in str(stored["blocks"])
    assert buttons.ACCEPT_PROPOSAL not in str(stored["blocks"])


def test_a_stale_accept_changes_nothing_and_answers_politely(proposed: SlackDriver) -> None:
    (announced,) = dms(proposed, "U0CAROL")
    proposed.command("reject CHK", user="U0CAROL")
    before = payload_text(proposed.command("show CHK | history"))
    (answer,) = answers(
        click(proposed, announced, buttons.ACCEPT_PROPOSAL, user="U0CAROL"), "U0CAROL"
    )
    assert "were decided already" in payload_text(answer)
    assert answer.extra["replace_original"] is False
    assert payload_text(proposed.command("show CHK | history")) == before
    assert "40%" in payload_text(proposed.command("show CHK"))


def test_an_announcement_replaced_by_a_newer_proposal_cannot_accept_it(
    proposed: SlackDriver,
) -> None:
    (old,) = dms(proposed, "U0CAROL")
    proposed.command("set CHK | confidence 95%", user="U0BOB")
    click(proposed, old, buttons.ACCEPT_PROPOSAL, user="U0CAROL")
    card = payload_text(proposed.command("show CHK"))
    assert "95%" in card and "Pending proposal" in card  # the newer one still waits


def test_accept_from_another_workspace_cannot_touch_this_one(proposed: SlackDriver) -> None:
    (announced,) = dms(proposed, "U0CAROL")
    (answer,) = answers(
        click(proposed, announced, buttons.ACCEPT_PROPOSAL, user="U0CAROL", team=OTHER_TEAM),
        "U0CAROL",
    )
    assert "were decided already" in payload_text(answer)
    card = payload_text(proposed.command("show CHK"))
    assert "Pending proposal" in card and "40%" in card


def test_only_a_manager_may_accept_and_is_named(proposed: SlackDriver) -> None:
    (announced,) = dms(proposed, "U0CAROL")
    (answer,) = answers(click(proposed, announced, buttons.ACCEPT_PROPOSAL, user="U0DAN"), "U0DAN")
    assert "<@U0CAROL>" in payload_text(answer)
    assert answer.extra["replace_original"] is False
    assert "Pending proposal" in payload_text(proposed.command("show CHK"))


def test_accepting_from_app_home_updates_the_announcement_it_answered(
    proposed: SlackDriver,
) -> None:
    (announced,) = dms(proposed, "U0CAROL")
    proposed.event(app_home_opened_event(user="U0CAROL"))
    proposed.drain()
    home = [p for p in proposed.fake.posts if p.kind == "view" and p.user == "U0CAROL"][-1]
    view = home.extra["view"]
    accept, block_id = next(
        (e, str(b["block_id"]))
        for b in view["blocks"]
        if b["type"] == "actions" and "confidence" in str(b.get("block_id"))
        for e in b["elements"]
        if e["action_id"].startswith(ACCEPT)
    )
    payload = view_actions_payload(
        pressed(accept, block_id), team_id=proposed.team, user_id="U0CAROL", view=view
    )
    body = interactive_body(payload)
    assert proposed.post(body, sign(body)).status_code == 200
    proposed.drain()
    (update,) = proposed.fake.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (announced.channel, announced.ts)
    stored = {m["ts"]: m for m in proposed.fake.messages(announced.channel or "")}[announced.ts]
    words = str(stored["blocks"])
    assert "accepted by <@U0CAROL>" in words  # confidence, from App Home
    assert "waiting for a decision" in words and buttons.ACCEPT_PROPOSAL in words  # investment
    assert_valid_message({"text": stored["text"], "blocks": stored["blocks"]})
