"""The slash-command grammar and its small words: keys, item refs, mentions, numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.grammar import (
    KEY_RE,
    CommandText,
    check_fields,
    clean_text,
    did_you_mean,
    parse_item_ref,
    parse_key,
    parse_mention,
    parse_positive_int,
    split_command,
)
from domain.words import (
    is_clear_word,
    near_word,
    one_edit_apart,
    parse_health,
    parse_status,
)

# split_command


def test_command_with_fields_splits_into_verb_head_and_fields() -> None:
    cmd = split_command(
        "add CHK Checkout | owner <@U123ABC|alice> | investment 120k | return 400k"
        " | confidence 70% | category Growth | stage development"
    )
    assert cmd == CommandText(
        verb="add",
        head="CHK Checkout",
        fields=(
            ("owner", "<@U123ABC|alice>"),
            ("investment", "120k"),
            ("return", "400k"),
            ("confidence", "70%"),
            ("category", "Growth"),
            ("stage", "development"),
        ),
    )


def test_empty_text_has_empty_verb() -> None:
    assert split_command("") == CommandText(verb="", head="", fields=())
    assert split_command("   \n ") == CommandText(verb="", head="", fields=())


def test_verb_and_field_names_are_lower_cased_but_values_are_kept() -> None:
    cmd = split_command("SET CHK | Investment 150K | Category GROWTH")
    assert cmd.verb == "set"
    assert cmd.head == "CHK"
    assert cmd.fields == (("investment", "150K"), ("category", "GROWTH"))


def test_whitespace_is_normalised_everywhere() -> None:
    cmd = split_command("  add\tCHK   Checkout\u00a0 v2 |  why   faster \n payments ")
    assert cmd == CommandText(
        verb="add", head="CHK Checkout v2", fields=(("why", "faster payments"),)
    )


def test_verb_alone_has_empty_head() -> None:
    assert split_command("list") == CommandText(verb="list", head="", fields=())


def test_bars_inside_slack_entities_do_not_split_fields() -> None:
    cmd = split_command(
        "grant <@U123ABC|bob> portfolio-manager | note see <https://x.io/a|the doc>"
    )
    assert cmd.head == "<@U123ABC|bob> portfolio-manager"
    assert cmd.fields == (("note", "see <https://x.io/a|the doc>"),)


def test_slack_escapes_are_undone_after_splitting() -> None:
    cmd = split_command("add R&amp;D Research &amp; Dev | why a &lt; b &gt; c | note &amp;lt;")
    assert cmd.head == "R&D Research & Dev"
    assert cmd.fields == (("why", "a < b > c"), ("note", "&lt;"))


def test_escaped_angle_brackets_are_not_entities_so_bars_still_split() -> None:
    cmd = split_command("add X &lt;a | why b&gt;")
    assert cmd.head == "X <a"
    assert cmd.fields == (("why", "b>"),)


@pytest.mark.parametrize(
    "text",
    ["set CHK || investment 5k", "set CHK | investment 5k |", "| investment 5k", "set CHK | | x 1"],
)
def test_stray_bar_says_there_is_an_empty_field(text: str) -> None:
    with pytest.raises(InvalidInput, match="There is an empty field between `\\|` signs"):
        split_command(text)


def test_field_without_value_shows_an_example() -> None:
    with pytest.raises(InvalidInput) as caught:
        split_command("set CHK | owner")
    assert caught.value.message == "`owner` needs a value, e.g. `| owner @alice`."


def test_unknown_field_without_value_still_gets_a_hint() -> None:
    with pytest.raises(
        InvalidInput, match=re.escape("`colour` needs a value, e.g. `| colour something`")
    ):
        split_command("set CHK | Colour  ")


def test_same_field_twice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="`owner` is given twice"):
        split_command("set CHK | owner <@U1AB> | Owner <@U2CD>")


# clean_text


def test_clean_text_collapses_whitespace() -> None:
    assert clean_text("  Checkout   v2 ", what="Name", max_len=80) == "Checkout v2"


@pytest.mark.parametrize(
    ("text", "shown"), [("a\nb", "a line break"), ("a\tb", "a tab"), ("a\x07b", "U+0007")]
)
def test_clean_text_names_the_control_character(text: str, shown: str) -> None:
    with pytest.raises(
        InvalidInput, match=re.escape(f"Name can't contain control characters such as {shown}")
    ):
        clean_text(text, what="name", max_len=80)


def test_clean_text_refuses_blank() -> None:
    with pytest.raises(InvalidInput, match="Title can't be empty"):
        clean_text("   ", what="Title", max_len=80)


def test_clean_text_refuses_too_long_with_limit_and_length() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_text("x" * 5000, what="Name", max_len=80)
    assert caught.value.message == "Name can be at most 80 characters; this one has 5,000."
    assert clean_text("é" * 80, what="Name", max_len=80) == "é" * 80


def test_clean_text_keeps_unicode_letters_and_emoji() -> None:
    assert clean_text("Zahlung über 🚀", what="Name", max_len=80) == "Zahlung über 🚀"


# parse_key


@pytest.mark.parametrize("key", ["CHK", "AB", "PAY2", "ABCDEFGHIJ", "X1"])
def test_valid_keys_are_returned(key: str) -> None:
    assert parse_key(f" {key} ") == key


@pytest.mark.parametrize("written", ["chk", "Chk", "cHK"])
def test_a_key_in_any_case_is_the_upper_case_key(written: str) -> None:
    assert parse_key(written) == "CHK"


def test_a_key_with_non_ascii_letters_names_them() -> None:
    with pytest.raises(InvalidInput, match="only letters A–Z and digits") as caught:
        parse_key("chß")
    assert "`ß`" in caught.value.message


@pytest.mark.parametrize(("key", "length"), [("C", 1), ("ABCDEFGHIJK", 11)])
def test_key_of_wrong_length_says_two_to_ten(key: str, length: int) -> None:
    with pytest.raises(InvalidInput, match="A key has 2 to 10 characters") as caught:
        parse_key(key)
    assert f"`{key}` has {length}" in caught.value.message


def test_key_starting_with_digit_says_so() -> None:
    with pytest.raises(InvalidInput, match="starts with a digit"):
        parse_key("3DS")


@pytest.mark.parametrize(
    ("key", "char"), [("CH-K", "-"), ("CH.K", "."), ("ÇHK", "Ç"), ("C K", " ")]
)
def test_key_with_punctuation_names_the_character(key: str, char: str) -> None:
    with pytest.raises(InvalidInput, match="only letters A–Z and digits") as caught:
        parse_key(key)
    assert f"`{char}`" in caught.value.message


def test_empty_key_asks_for_one() -> None:
    with pytest.raises(InvalidInput, match="Write a product key"):
        parse_key("")


@given(st.from_regex(KEY_RE, fullmatch=True))
def test_every_key_matching_the_pattern_is_accepted(key: str) -> None:
    assert parse_key(key) == key


# parse_item_ref


def test_item_ref_is_split_into_key_and_number() -> None:
    assert parse_item_ref("CHK-3") == ("CHK", 3)
    assert parse_item_ref(" PAY2-120 ") == ("PAY2", 120)


def test_an_item_ref_in_any_case_is_read() -> None:
    assert parse_item_ref("chk-3") == ("CHK", 3)


def test_item_ref_without_dash_shows_the_form() -> None:
    with pytest.raises(InvalidInput, match="KEY-NUMBER, like `CHK-3`; `CHK3` has no `-`"):
        parse_item_ref("CHK3")


@pytest.mark.parametrize("text", ["CHK-", "CHK-x", "CHK-3a", "CHK-٣"])
def test_item_ref_without_number_says_so(text: str) -> None:
    with pytest.raises(InvalidInput, match="doesn't end in an item number"):
        parse_item_ref(text)


def test_item_zero_is_refused() -> None:
    with pytest.raises(InvalidInput, match="numbered from 1"):
        parse_item_ref("CHK-0")


def test_huge_item_number_is_refused() -> None:
    with pytest.raises(InvalidInput, match="far too large"):
        parse_item_ref("CHK-99999999999999999999")


def test_item_ref_with_bad_key_explains_the_key() -> None:
    with pytest.raises(InvalidInput, match="starts with a digit"):
        parse_item_ref("3DS-1")


@given(key=st.from_regex(KEY_RE, fullmatch=True), number=st.integers(1, 999_999_999))
def test_item_refs_round_trip(key: str, number: int) -> None:
    assert parse_item_ref(f"{key}-{number}") == (key, number)


# parse_mention


@pytest.mark.parametrize(
    ("text", "user"),
    [("<@U123ABC>", "U123ABC"), ("<@U123ABC|alice>", "U123ABC"), (" <@W0ABC9|bob> ", "W0ABC9")],
)
def test_slack_mentions_give_the_user_id(text: str, user: str) -> None:
    assert parse_mention(text) == user


@pytest.mark.parametrize("text", ["@alice", "alice", "<@alice>", "<@u123abc>", "<@B12345>"])
def test_plain_names_are_not_mentions(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_mention(text)
    assert caught.value.message == (
        f"`{text}` isn't a mention Slack recognised: pick the person from the @ menu "
        "so it turns blue."
    )


def test_channel_is_not_a_person() -> None:
    with pytest.raises(InvalidInput, match="channel, not a person"):
        parse_mention("<#C123|general>")


@pytest.mark.parametrize("text", ["<!here>", "<!channel>", "@here"])
def test_group_mention_is_not_a_person(text: str) -> None:
    with pytest.raises(InvalidInput, match="group, not one person"):
        parse_mention(text)


def test_missing_mention_asks_for_one() -> None:
    with pytest.raises(InvalidInput, match="@-mentioning"):
        parse_mention(" ")


# parse_positive_int


def test_positive_ints_are_read() -> None:
    assert parse_positive_int("3", what="Top") == 3
    assert parse_positive_int(" 1,000 ", what="Reach") == 1000
    assert parse_positive_int("10", what="Top", high=10) == 10


@pytest.mark.parametrize("text", ["abc", "2.5", "-3", "", "1,00", "٣"])
def test_non_whole_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="Top must be a whole number like `3`"):
        parse_positive_int(text, what="top")


def test_zero_is_below_one() -> None:
    with pytest.raises(InvalidInput, match="Effort must be at least 1; you wrote `0`"):
        parse_positive_int("0", what="Effort")


def test_above_high_says_the_limit() -> None:
    with pytest.raises(InvalidInput, match="Top can be at most 1,000; you wrote `5000`"):
        parse_positive_int("5000", what="Top", high=1000)


def test_enormous_int_is_refused_without_crashing() -> None:
    with pytest.raises(InvalidInput, match="far too large"):
        parse_positive_int("9" * 5000, what="Reach")


# did_you_mean and check_fields


def test_did_you_mean_finds_close_words_and_keeps_their_spelling() -> None:
    assert did_you_mean("colour", ["color", "owner"]) == "color"
    assert did_you_mean("INVESTMNT", ["investment", "return"]) == "investment"
    assert did_you_mean("zebra", ["investment", "return"]) is None
    assert did_you_mean("x", []) is None


USAGE = "/portfolio set KEY | investment 150k | confidence 60%"


def test_check_fields_returns_the_fields_as_a_dict() -> None:
    cmd = split_command("set CHK | investment 150k | confidence 60%")
    assert check_fields(cmd, ("investment", "confidence", "owner"), usage=USAGE) == {
        "investment": "150k",
        "confidence": "60%",
    }


def test_unknown_field_lists_allowed_fields_suggests_and_shows_usage() -> None:
    cmd = split_command("set CHK | colour red")
    with pytest.raises(InvalidInput) as caught:
        check_fields(cmd, ["owner", "investment", "color"], usage=USAGE)
    assert caught.value.message == (
        "Unknown field `colour`. Fields for this command: owner, investment, color "
        "(did you mean `color`?).\n"
        f"Usage: `{USAGE}`"
    )


def test_unknown_field_without_close_match_has_no_suggestion() -> None:
    cmd = split_command("set CHK | zzz 1")
    with pytest.raises(InvalidInput) as caught:
        check_fields(cmd, {"owner", "investment"}, usage=USAGE)
    assert "Fields for this command: investment, owner." in caught.value.message
    assert "did you mean" not in caught.value.message


def test_command_without_fields_refuses_any() -> None:
    cmd = split_command("remove CHK | owner <@U1AB>")
    with pytest.raises(InvalidInput, match="takes no `\\|` fields"):
        check_fields(cmd, (), usage="/portfolio remove KEY")


@given(st.text(alphabet="ab |&;<>@U1\t\n", max_size=40))
def test_any_command_text_splits_or_raises_invalid_input(text: str) -> None:
    try:
        cmd = split_command(text)
    except InvalidInput:
        return
    assert cmd.verb == cmd.verb.lower()
    assert all(name and value for name, value in cmd.fields)
    assert len({name for name, _ in cmd.fields}) == len(cmd.fields)


# the words chat updates and `|` fields share


@pytest.mark.parametrize(
    ("written", "health"),
    [
        ("red", "off track"),
        ("Amber", "at risk"),
        ("yellow", "at risk"),
        ("green", "on track"),
        ("at-risk", "at risk"),
        ("offtrack", "off track"),
        ("On Track", "on track"),
    ],
)
def test_health_words_are_the_chat_words(written: str, health: str) -> None:
    assert parse_health(written) == health


def test_a_mistyped_health_gets_a_suggestion_and_the_choices() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_health("at rsik")
    assert "Did you mean `at risk`?" in caught.value.message
    assert "`red`" in caught.value.message


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("wip", "in progress"),
        ("shipped", "done"),
        ("In-Progress", "in progress"),
        ("QA", "testing"),
    ],
)
def test_status_synonyms_are_the_chat_synonyms(written: str, status: str) -> None:
    assert parse_status(written) == status


def test_a_mistyped_status_gets_did_you_mean() -> None:
    with pytest.raises(InvalidInput, match="Did you mean `testing`"):
        parse_status("tseting")


@pytest.mark.parametrize("written", ["none", "None", "-", "—", "n/a", "no", "nothing"])
def test_clear_words(written: str) -> None:
    assert is_clear_word(written)


@pytest.mark.parametrize("written", ["legal review", "nonexistent vendor", "no-one knows"])
def test_ordinary_text_does_not_clear(written: str) -> None:
    assert not is_clear_word(written)


def test_near_word_takes_only_close_typos() -> None:
    assert near_word("tseting", ["testing", "done"]) == "testing"
    assert near_word("testing", ["testing"]) is None  # exact is not a typo
    assert near_word("waiting", ["testing", "done"]) is None


@pytest.mark.parametrize(
    ("typed", "known", "close"),
    [
        ("CHX", "CHK", True),
        ("CKH", "CHK", True),
        ("CHKK", "CHK", True),
        ("CH", "CHK", True),
        ("CHK", "CHK", False),
        ("ABC", "CHK", False),
        ("CXX", "CHK", False),
    ],
)
def test_one_edit_apart(typed: str, known: str, close: bool) -> None:
    assert one_edit_apart(typed, known) is close


def test_unblocked_is_a_field_without_a_value() -> None:
    assert split_command("update CHK-3 | unblocked").fields == (("unblocked", ""),)
