"""The Block Kit checker catches what Slack would reject, and passes what it accepts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.blockkit import assert_valid_message, block_problems


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(action_id: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": action_id}


def test_a_well_formed_message_passes() -> None:
    assert_valid_message(
        {
            "text": "ROI ranking",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "ROI ranking"}},
                section("*1.* CHK", accessory=button("show_chk"), block_id="chk"),
                {"type": "divider"},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "Updated"}]},
                {"type": "actions", "elements": [button("rank")]},
            ],
        }
    )


def test_a_text_only_message_passes() -> None:
    assert_valid_message({"text": "Saved."})


def test_unknown_block_type_fails_the_schema() -> None:
    with pytest.raises(AssertionError, match="schema"):
        assert_valid_message({"text": "x", "blocks": [{"type": "banner"}]})


def test_blocks_without_text_fallback_fail() -> None:
    assert block_problems({"blocks": [section("hi")]}) == [
        "a message with blocks needs a non-empty `text` fallback"
    ]


def test_more_than_fifty_blocks_fail_for_a_message_but_not_a_modal() -> None:
    payload = {"text": "x", "blocks": [section(f"row {n}") for n in range(51)]}
    assert block_problems(payload) == ["51 blocks; a message allows at most 50"]
    assert block_problems(payload, surface="modal") == []


def test_duplicate_block_and_action_ids_fail() -> None:
    payload = {
        "text": "x",
        "blocks": [
            section("a", block_id="same", accessory=button("go")),
            section("b", block_id="same", accessory=button("go")),
        ],
    }
    assert block_problems(payload) == [
        "blocks/1: duplicate block_id 'same'",
        "blocks/1: duplicate action_id 'go'",
    ]


def test_section_text_over_3000_chars_fails() -> None:
    problems = block_problems({"text": "x", "blocks": [section("a" * 3001)]})
    assert "blocks/0: section text is 3001 chars (max 3000)" in problems


def test_header_over_150_chars_fails() -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    problems = block_problems({"text": "x", "blocks": [header]})
    assert "blocks/0: header text longer than 150 chars" in problems


def test_eleven_fields_and_long_fields_fail() -> None:
    fields = [{"type": "mrkdwn", "text": "f"} for _ in range(10)]
    fields.append({"type": "mrkdwn", "text": "f" * 2001})
    problems = block_problems({"text": "x", "blocks": [{"type": "section", "fields": fields}]})
    assert "blocks/0: 11 fields (max 10)" in problems
    assert "blocks/0/fields/10: longer than 2000 chars" in problems


def test_two_tables_in_one_message_fail() -> None:
    table = {"type": "table", "rows": [[{"type": "raw_text", "text": "a"}]]}
    assert block_problems({"text": "x", "blocks": [table, dict(table)]}) == [
        "2 tables; a message allows one"
    ]
