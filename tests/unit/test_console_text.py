"""The console shows Slack posts as a person would read them in Slack."""

from __future__ import annotations

from typing import Any

from console.blockkit import DIVIDER, blocks_to_text
from console.loopback import Post
from console.mrkdwn import emojize, mrkdwn_to_text, visible_width
from console.text import render_post

USERS = {"UALICE": "alice", "UBOB": "bob"}
CHANNELS = {"CGEN": "general", "DBOB": "@bob"}


def plain(text: str) -> str:
    return mrkdwn_to_text(text, users=USERS, channels=CHANNELS, color=False)


def colored(text: str) -> str:
    return mrkdwn_to_text(text, users=USERS, channels=CHANNELS, color=True)


def blocks(items: list[dict[str, Any]], *, color: bool = False) -> str:
    return blocks_to_text(items, users=USERS, channels=CHANNELS, color=color)


def post(p: Post, *, color: bool = False) -> str:
    return render_post(p, users=USERS, channels=CHANNELS, color=color)


def test_mentions_channels_and_broadcasts_become_names() -> None:
    text = "<@UALICE> <@UNKNOWN> <#CGEN> <#CX|random> <!channel> <!here>"
    assert plain(text) == "@alice @UNKNOWN #general #random @channel @here"


def test_links_show_label_and_url() -> None:
    assert plain("see <https://x.example/a_b_c|the plan> and <https://y.example>") == (
        "see the plan (https://x.example/a_b_c) and https://y.example"
    )


def test_entities_are_unescaped_last() -> None:
    assert plain("R&amp;D &lt;b&gt; &amp;lt;") == "R&D <b> &lt;"


def test_styles_are_unchanged_without_color() -> None:
    assert plain("*bold* _it_ ~gone~ `code`") == "*bold* _it_ ~gone~ `code`"


def test_styles_become_ansi_with_color() -> None:
    out = colored("*bold* _it_ ~gone~ `co*de*`")
    assert out == (
        "\x1b[1mbold\x1b[22m \x1b[3mit\x1b[23m \x1b[9mgone\x1b[29m \x1b[36mco*de*\x1b[39m"
    )


def test_underscores_inside_words_and_links_are_not_italic() -> None:
    assert colored("snake_case_name <https://x.example/a_b_c|l>") == (
        "snake_case_name l (https://x.example/a_b_c)"
    )


def test_code_block_table_keeps_its_alignment() -> None:
    table = "KEY   ROI      OWNER\nCHK   233.3%   R&amp;D\nAPP   -10.0%   <@UBOB>"
    out = plain(f"Ranking\n```\n{table}\n```\nDone")
    lines = out.split("\n")
    assert lines[0] == "Ranking"
    assert lines[1:4] == ["KEY   ROI      OWNER", "CHK   233.3%   R&D", "APP   -10.0%   <@UBOB>"]
    assert lines[4] == "Done"


def test_header_is_bold_and_underlined_with_color() -> None:
    out = blocks(
        [{"type": "header", "text": {"type": "plain_text", "text": "ROI ranking"}}], color=True
    )
    assert out == "\x1b[1;4mROI ranking\x1b[22;24m"


def test_section_fields_sit_in_two_columns_when_they_fit() -> None:
    section = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*CHK* Checkout"},
        "fields": [
            {"type": "mrkdwn", "text": "ROI\n233%"},
            {"type": "mrkdwn", "text": "Owner\n<@UALICE>"},
        ],
    }
    assert blocks([section]).split("\n") == ["*CHK* Checkout", "ROI     Owner", "233%    @alice"]


def test_section_fields_stack_when_too_wide() -> None:
    wide = "w" * 60
    section = {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": wide}, {"type": "mrkdwn", "text": wide}],
    }
    assert blocks([section]).split("\n") == [wide, wide]


def test_context_divider_image_and_actions() -> None:
    out = blocks(
        [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Updated by <@UBOB>"}]},
            {"type": "divider"},
            {"type": "image", "image_url": "https://c.example/r.png", "alt_text": "ROI bubbles"},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Rank"},
                        "action_id": "a",
                    },
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Chart"},
                        "action_id": "b",
                    },
                ],
            },
        ]
    )
    assert out.split("\n") == [
        "Updated by @bob",
        DIVIDER,
        "[chart: ROI bubbles — https://c.example/r.png]",
        "[Rank] [Chart]",
    ]


def test_context_is_dim_with_color() -> None:
    out = blocks(
        [{"type": "context", "elements": [{"type": "plain_text", "text": "note"}]}], color=True
    )
    assert out == "\x1b[2mnote\x1b[22m"


def test_rich_text_renders_plain_with_lists_and_mentions() -> None:
    rich = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Owner: "},
                    {"type": "user", "user_id": "UALICE"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "ordered",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "first"}]},
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "second"}]},
                ],
            },
        ],
    }
    assert blocks([rich]).split("\n") == ["Owner: @alice", "1. first", "2. second"]


def test_rich_text_styles_become_ansi_with_color() -> None:
    leaf = {"type": "text", "text": "late", "style": {"bold": True}}
    rich = {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [leaf]}]}
    assert blocks([rich], color=True) == "\x1b[1mlate\x1b[22m"
    assert blocks([rich]) == "late"


def test_table_block_aligns_columns() -> None:
    table = {
        "type": "table",
        "column_settings": [None, {"align": "right"}],
        "rows": [
            [{"type": "raw_text", "text": "Product"}, {"type": "raw_text", "text": "ROI"}],
            [{"type": "raw_text", "text": "CHK"}, {"type": "raw_text", "text": "233%"}],
        ],
    }
    assert blocks([table]).split("\n") == ["Product   ROI", "CHK      233%"]


def test_message_is_prefixed_with_channel_and_bot() -> None:
    assert post(Post("message", "CGEN", ts="1.000001", text="Hello")) == "#general  Folio: Hello"


def test_multi_line_message_starts_on_its_own_line() -> None:
    out = post(Post("message", "CGEN", ts="1.000001", text="one\ntwo"))
    assert out == "#general  Folio:\none\ntwo"


def test_thread_reply_is_indented_under_an_arrow() -> None:
    out = post(Post("message", "CGEN", ts="1.000002", thread_ts="1.000001", text="a\nb"))
    assert out.split("\n") == ["  ↳ #general  Folio:", "    a", "    b"]


def test_ephemeral_says_only_you_can_see_it() -> None:
    out = post(Post("ephemeral", "CGEN", "UALICE", ts="1.000001", text="Confidence must be…"))
    assert out == "(only visible to you)  Folio: Confidence must be…"


def test_reaction_file_and_dm_prefixes() -> None:
    reaction = Post(
        "reaction",
        "CGEN",
        ts="1.000001",
        text="white_check_mark",
        extra={"name": "white_check_mark"},
    )
    assert post(reaction) == "  Folio reacted :white_check_mark:"
    chart = Post("file", "CGEN", ts="1.000001", extra={"title": "ROI chart", "path": "/tmp/r.png"})
    assert post(chart) == "📎 ROI chart (/tmp/r.png)"
    assert post(Post("message", "DBOB", ts="1.000001", text="reminder")) == "@bob  Folio: reminder"


def test_blocks_win_over_fallback_text() -> None:
    message = Post(
        "message",
        "CGEN",
        ts="1.000001",
        text="fallback",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "shown"}}],
    )
    assert post(message) == "#general  Folio: shown"


def test_in_channel_response_looks_like_a_message_and_ephemeral_like_a_whisper() -> None:
    public = Post(
        "response",
        "CGEN",
        "UALICE",
        ts="1.000001",
        text="Ranked",
        extra={"response_type": "in_channel"},
    )
    private = Post(
        "response",
        "CGEN",
        "UALICE",
        ts="1.000002",
        text="Oops",
        extra={"response_type": "ephemeral"},
    )
    assert post(public) == "#general  Folio: Ranked"
    assert post(private) == "(only visible to you)  Folio: Oops"


def test_visible_width_ignores_ansi() -> None:
    assert visible_width(colored("*abc*")) == 3


def test_known_emoji_shortcodes_become_characters_and_times_stay() -> None:

    assert emojize(":large_green_circle: on track at 09:00") == "🟢 on track at 09:00"
    assert emojize(":not_an_emoji_we_know:") == ":not_an_emoji_we_know:"
