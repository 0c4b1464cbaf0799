"""Governance through Bolt: an owner proposes, managers hear by DM, a decision reaches the owner."""

from __future__ import annotations

import pytest

from console.loopback import Post
from tests.slack.conftest import SlackDriver, payload_text
from tests.support.blockkit import assert_valid_message


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command(
        "add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k "
        "| confidence 40% | category Growth"
    )
    slack.command("add PAY Payments | owner <@U0DAN|dan> | investment 100k | return 400k")
    slack.command("grant <@U0CAROL|carol> portfolio manager")
    return slack


def dms(slack: SlackDriver, user: str) -> list[Post]:
    """The bot's messages in its DM with a person, each checked as Block Kit."""
    posts = [p for p in slack.fake.posts_in(f"D{user}") if p.kind == "message"]
    for post in posts:
        if post.blocks:
            assert_valid_message({"text": post.text, "blocks": post.blocks})
    return posts


def first_in_rank(slack: SlackDriver) -> str:
    text = payload_text(slack.command("rank risk"))
    return "CHK" if text.index("*CHK*") < text.index("*PAY*") else "PAY"


def test_owner_proposes_and_the_manager_is_told_by_dm(ready: SlackDriver) -> None:
    answer = ready.command("set CHK | confidence 100% | why the pilot converted", user="U0BOB")
    text = payload_text(answer)
    assert "Proposed on *CHK*: confidence 40% → 100%." in text
    assert "A portfolio manager (<@U0CAROL>) will accept or reject it" in text
    assert "you'll get a DM either way" in text
    assert answer.extra.get("response_type") == "ephemeral"
    assert first_in_rank(ready) == "PAY"

    (announced,) = dms(ready, "U0CAROL")
    assert "<@U0BOB> proposes on *CHK*" in payload_text(announced)
    assert "the pilot converted" in payload_text(announced)
    assert ready.fake.calls_to("conversations.open")

    card = payload_text(ready.command("show CHK"))
    assert "Pending proposal" in card and "confidence 40% → *100%*" in card


def test_manager_accepts_the_rank_changes_and_the_owner_hears(ready: SlackDriver) -> None:
    ready.command("set CHK | confidence 100%", user="U0BOB")
    accepted = ready.command("accept CHK", user="U0CAROL")
    assert accepted.extra.get("response_type") == "in_channel"
    assert "Accepted <@U0BOB>'s proposal on *CHK*" in payload_text(accepted)
    assert first_in_rank(ready) == "CHK"
    (told,) = dms(ready, "U0BOB")
    assert "<@U0CAROL> accepted your proposal on *CHK*" in payload_text(told)

    history = payload_text(ready.command("show CHK | history", user="U0DAN"))
    assert "confidence 40% → *100%* · proposed by <@U0BOB>, accepted by <@U0CAROL>" in history
    assert "set when <@U0ALICE> added it" in history


def test_reject_with_why_reaches_the_owner_and_changes_nothing(ready: SlackDriver) -> None:
    ready.command("set CHK | cashflows -1k, 50m", user="U0BOB")
    answer = ready.command("reject CHK | why fifty million is not a plan", user="U0CAROL")
    assert "Rejected <@U0BOB>'s proposal on *CHK*" in payload_text(answer)
    assert "I've told <@U0BOB> by DM." in payload_text(answer)
    (told,) = dms(ready, "U0BOB")
    assert "rejected your proposal" in payload_text(told)
    assert "fifty million is not a plan" in payload_text(told)
    assert "NPV" not in payload_text(ready.command("show CHK"))  # no cash flows were set


def test_with_no_granted_manager_the_proposal_is_posted_in_the_channel(
    slack: SlackDriver,
) -> None:
    slack.command("setup Products")  # alice is a workspace admin: no one is granted the role
    slack.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    answer = slack.command("set CHK | return 2m", user="U0BOB")
    assert answer.extra.get("response_type") == "in_channel"
    assert "a workspace admin decides" in payload_text(answer)

    slack.command("use Products", channel="C0ROADMAP")
    answer = slack.command("set CHK | return 3m", user="U0BOB")
    assert "I posted it in <#C0ROADMAP>" in payload_text(answer)
    posted = [p for p in slack.fake.posts_in("C0ROADMAP") if p.kind == "message"]
    assert posted and "<@U0BOB> proposes on *CHK*" in payload_text(posted[-1])


def test_proposals_lists_the_pending_ones(ready: SlackDriver) -> None:
    assert "No pending proposals" in payload_text(ready.command("proposals"))
    ready.command("set CHK | category Core | why it is core now", user="U0BOB")
    text = payload_text(ready.command("proposals", user="U0DAN"))
    assert "*CHK* Checkout · category Growth → *Core* · <@U0BOB>" in text
    assert "it is core now" in text


def test_weights_are_refused_to_owners_without_a_proposal(ready: SlackDriver) -> None:
    answer = ready.command("weights roi 100%", user="U0BOB")
    assert "owners make no proposals" in payload_text(answer)
    assert dms(ready, "U0CAROL") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("grant <@U0ALICE|alice> none", "always portfolio managers: nothing changed"),
        ("grant <@U0BOB|bob> admin", "The roles Folio grants: `portfolio manager` or `none`"),
        ("grant <@U0DAN|dan> portfolio manager", "is now a portfolio manager"),
        ("grant <@U0DAN|dan> portfolio-manager", "is now a portfolio manager"),
        ("grant <@U0DAN|dan> product manager", "don't need a grant"),
    ],
)
def test_grant_words_say_what_the_roles_are(slack: SlackDriver, text: str, expected: str) -> None:
    slack.command("setup Products")
    assert expected in payload_text(slack.command(text))


def test_the_role_is_spelled_one_way_in_answers(ready: SlackDriver) -> None:
    texts = [
        payload_text(ready.command("grant <@U0DAN|dan> manager")),
        payload_text(ready.command("add NEW New", user="U0BOB")),
        payload_text(ready.command("help grant")),
    ]
    for text in texts:
        assert "portfolio-manager" not in text
    assert "portfolio manager" in texts[0] and "portfolio manager" in texts[1]


def test_a_refused_dm_is_said_and_the_proposal_is_shown_in_the_channel(
    ready: SlackDriver,
) -> None:
    ready.fake.fail_next("conversations.open", status=200, error="user_not_found")
    answer = ready.command("set CHK | confidence 90%", user="U0BOB")
    assert "Slack wouldn't let me DM them" in payload_text(answer)
    assert answer.extra.get("response_type") == "in_channel"
    assert "confidence 40% → *90%*" in payload_text(ready.command("proposals", user="U0CAROL"))


def test_a_managers_direct_change_tells_the_author_their_proposal_closed(
    ready: SlackDriver,
) -> None:
    ready.command("set CHK | category Core", user="U0BOB")
    answer = ready.command("set CHK | category Platform", user="U0CAROL")
    assert "This closes <@U0BOB>'s pending proposal (category → Core)" in payload_text(answer)
    (told,) = dms(ready, "U0BOB")
    assert "closes your proposal (→ Core)" in payload_text(told)
