"""Button values are read strictly; action blocks stay within Slack's limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import buttons
from handlers.blocks import MAX_BLOCKS, Message, context, section
from handlers.buttons import Target, action_pattern, parse_value, with_actions
from tests.support.blockkit import assert_valid_message


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("product:CHK", Target(key="CHK")),
        ("portfolio", Target()),
        ("proposal:CHK:12", Target(key="CHK", proposal_ids=(12,))),
        ("proposal:PAY2:3.4.3", Target(key="PAY2", proposal_ids=(3, 4))),
    ],
)
def test_our_values_are_read(value: str, target: Target) -> None:
    assert parse_value(value) == target


@pytest.mark.parametrize(
    "value",
    [
        None,
        12,
        "",
        "product:chk",
        "product:C",
        "product:CHK | investment 1",
        "product:CHK:12",
        "proposal:CHK:",
        "proposal:CHK:1.x",
        "proposal:CHK:" + ".".join(["1"] * 21),
        "T0OTHER:product:CHK",
        "<!channel>",
    ],
)
def test_anything_else_is_no_target(value: object) -> None:
    assert parse_value(value) is None


@given(st.text(max_size=300))
def test_any_text_is_read_without_failing(value: str) -> None:
    target = parse_value(value)
    assert target is None or target.key is None or target.key.isupper()


def test_suffixed_action_ids_match_their_listener_only() -> None:
    pattern = action_pattern(buttons.NO_CHANGE)
    assert pattern.match("msg_no_change") and pattern.match("msg_no_change.CHK")
    assert not pattern.match("msg_no_change_x") and not pattern.match("home_no_change")


def test_actions_go_before_the_footer_and_never_past_50_blocks() -> None:
    message = Message(text="t", blocks=[section("a"), context("footer")])
    added = with_actions(message, buttons.card_actions("CHK"))
    assert [b["type"] for b in added.blocks] == ["section", "actions", "context"]
    assert_valid_message(added.payload())
    full = Message(text="t", blocks=[section(str(n)) for n in range(MAX_BLOCKS)])
    assert with_actions(full, buttons.card_actions("CHK")) == full


def test_every_message_button_block_is_valid_block_kit() -> None:
    blocks = [
        buttons.card_actions("CHK"),
        buttons.reminder_actions("PAY"),
        buttons.proposal_actions("CHK", [1, 2]),
        buttons.list_actions(
            [(f"K{n:03d}", "x" * 90) for n in range(150)], block_id="l", suffix="L"
        ),
    ]
    assert_valid_message({"text": "t", "blocks": [b for b in blocks if b]})
