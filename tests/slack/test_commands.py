"""Slash commands through Bolt: signed form posts in, response_url answers out."""

from __future__ import annotations

import re

import pytest

from console.loopback import Post
from tests.slack.conftest import SlackDriver, payload_text


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products | budget 2m")
    slack.command(
        "add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k "
        "| confidence 70% | category Growth | stage development"
    )
    slack.command(
        "add PAY Payments | owner <@U0DAN|dan> | investment 450k | return 1.2m "
        "| confidence 60% | category Platform"
    )
    return slack


def test_bare_command_shows_help_with_examples(slack: SlackDriver) -> None:
    answer = slack.command("")
    text = payload_text(answer)
    for verb in ("setup", "add", "set", "show", "list", "rank", "remove", "grant", "use"):
        assert f"/portfolio {verb}" in text
    assert answer.extra.get("response_type") == "ephemeral"


def test_roadmap_help(slack: SlackDriver) -> None:
    text = payload_text(slack.command("help", command="/roadmap"))
    assert "/roadmap add" in text and "/roadmap update" in text


def help_verbs(answer: Post, command: str) -> list[str]:
    """The first word after the command on each help line, in the order help lists them."""
    texts = [block["text"]["text"] for block in answer.blocks or [] if "text" in block]
    return re.findall(rf"^`{command} (\w+)", "\n".join(texts), flags=re.MULTILINE)


def test_help_lists_the_subcommands_in_a_fixed_order(slack: SlackDriver) -> None:
    portfolio = "setup add set show list rank remove restore grant use rename delete "
    portfolio += "proposals accept reject digest "
    portfolio += "objective weights "
    portfolio += "allocate balance chart export "
    portfolio += "whatif scenario frontier forecast outcome calibration"
    assert help_verbs(slack.command("help"), "/portfolio") == portfolio.split()
    roadmap = help_verbs(slack.command("help", command="/roadmap"), "/roadmap")
    assert roadmap == ["CHK", "add", "update", "remind", "rank", "forecast"]


def test_setup_then_add_announces_in_channel(slack: SlackDriver) -> None:
    answer = slack.command("setup Products | currency EUR | budget 2m")
    assert "Created portfolio *Products*" in answer.text
    assert answer.extra.get("response_type") == "in_channel"
    added = slack.command("add CHK Checkout | investment €120k | return €400k")
    assert added.extra.get("response_type") == "in_channel"
    assert "€120,000" in payload_text(added)


def test_rank_is_a_table_of_position_key_name_measure_money_health(ready: SlackDriver) -> None:
    answer = ready.command("rank roi")
    text = payload_text(answer)
    assert "*1.* *CHK* Checkout" in text
    assert "233%" in text and "$120k" in text and "on track" in text and "<@U0BOB>" in text
    assert text.index("CHK") < text.index("PAY")


def test_show_is_a_product_card(ready: SlackDriver) -> None:
    text = payload_text(ready.command("show CHK"))
    for expected in (
        "CHK · Checkout",
        "<@U0BOB>",
        "$120,000",
        "$400,000",
        "233%",
        "Risk-adjusted ROI",
        "development",
    ):
        assert expected in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add ch-k Checkout", "only letters A–Z and digits"),
        ("add chk Checkout", "CHK already exists"),  # keys in any case are the same key
        ("add C Checkout", "2 to 10"),
        ("add ABCDEFGHIJK Checkout", "2 to 10"),
        ("add CHK Again", "already exists"),
        ("show CHX", "Did you mean `CHK`"),
        ("set CHK | investment lots", "lots"),
        ("set CHK | investment -5k", "negative"),
        ("set CHK | confidence 140%", "140%"),
        ("set CHK | colour red", "Unknown field `colour`"),
        ("rank profit", "ranking measure"),
        ("rank roi top -3", "top"),
        ("set CHK | | confidence 5%", "empty"),
        ("add NEW " + "x" * 5000, "at most 80 characters"),
        ("add NEW Bad\x07name", "control"),
        ("set CHK | owner @bob", "mention"),
        ("frobnicate", "isn't a command"),
    ],
)
def test_bad_input_gets_a_specific_ephemeral_answer_and_changes_nothing(
    ready: SlackDriver, text: str, expected: str
) -> None:
    before = payload_text(ready.command("show CHK"))
    answer = ready.command(text)
    assert answer.extra.get("response_type") == "ephemeral"
    assert expected.lower() in payload_text(answer).lower()
    assert ":warning:" in answer.text
    assert payload_text(ready.command("show CHK")) == before


def test_member_is_refused_and_told_who_can(ready: SlackDriver) -> None:
    answer = ready.command("set PAY | investment 1m", user="U0CAROL")
    text = payload_text(answer)
    assert "Only" in text and "<@U0DAN>" in text
    assert answer.extra.get("response_type") == "ephemeral"
    assert "$450,000" in payload_text(ready.command("show PAY"))


def test_owner_updates_roadmap_items(ready: SlackDriver) -> None:
    added = ready.command(
        "add CHK Checkout v2 | target 2027-Q1 | why faster payments",
        command="/roadmap",
        user="U0BOB",
    )
    assert "CHK-1" in payload_text(added)
    updated = ready.command(
        "update CHK-1 testing 80% | note waiting on vendor", command="/roadmap", user="U0BOB"
    )
    assert "testing" in payload_text(updated) and "80%" in payload_text(updated)
    roadmap = payload_text(ready.command("CHK", command="/roadmap"))
    assert "CHK-1" in roadmap and "2027-Q1" in roadmap and "80%" in roadmap


def test_unknown_roadmap_item_says_which_exist(ready: SlackDriver) -> None:
    ready.command("add CHK First", command="/roadmap")
    answer = ready.command("update CHK-7 done", command="/roadmap")
    assert "CHK-1 to CHK-1" in payload_text(answer)


def test_grant_then_granted_user_can_add(ready: SlackDriver) -> None:
    ready.command("grant <@U0CAROL|carol> portfolio-manager")
    answer = ready.command("add NEW Newcomer", user="U0CAROL")
    assert "Added *NEW*" in payload_text(answer)


def test_every_answer_is_valid_block_kit(ready: SlackDriver) -> None:
    for text in ("help", "list", "rank risk", "show PAY", "rank roi top 1"):
        ready.command(text)  # command() validates each answer against the schema


def test_users_info_is_cached_per_person(ready: SlackDriver) -> None:
    for _ in range(3):
        ready.command("list", user="U0BOB")
    bob_lookups = [c for c in ready.fake.calls_to("users.info") if c.params.get("user") == "U0BOB"]
    assert len(bob_lookups) == 1


def test_scoring_inputs_are_shown_as_written(ready: SlackDriver) -> None:
    ready.command("add CHK First", command="/roadmap")
    answer = ready.command(
        "update CHK-1 | reach 2000 | impact 2 | confidence 80% | effort 3", command="/roadmap"
    )
    text = payload_text(answer)
    assert "reach none → *2,000*" in text
    assert "confidence none → *80%*" in text
    assert "effort none → *3*" in text


def test_ranking_header_names_the_measure(ready: SlackDriver) -> None:
    assert "Risk-adjusted ROI ranking · Products" in payload_text(ready.command("rank risk"))
