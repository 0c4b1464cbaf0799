"""Updates typed in chat: prefixes, item and product updates, metrics and feedback."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.chat_grammar import (
    FeedbackUpdate,
    ItemUpdate,
    MetricsUpdate,
    ProductUpdate,
    match_prefix,
    parse_chat_update,
)
from domain.errors import InvalidInput
from domain.grammar import KEY_RE
from domain.vocabulary import HEALTHS, STAGES, STATUSES

D = Decimal


def item(
    number: int = 3,
    *,
    status: str | None = None,
    progress: int | None = None,
    blocker: str | None = None,
    clears_blocker: bool = False,
    note: str = "",
) -> ItemUpdate:
    return ItemUpdate("CHK", number, status, progress, blocker, clears_blocker, note)


def product(health: str | None = None, stage: str | None = None, note: str = "") -> ProductUpdate:
    return ProductUpdate("CHK", health, stage, note)


# match_prefix


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("CHK-3: testing", ("CHK", 3, "item")),
        ("CHK: at risk", ("CHK", None, "product")),
        ("CHK metrics: revenue 1", ("CHK", None, "metrics")),
        ("CHK Metrics: revenue 1", ("CHK", None, "metrics")),
        ("CHK metric: revenue 1", ("CHK", None, "metrics")),
        ("CHK feedback: nice", ("CHK", None, "feedback")),
        ("FYI: lunch is here", ("FYI", None, "product")),
        ("   PAY2-14: done", ("PAY2", 14, "item")),
        ("CHK-3 : done", ("CHK", 3, "item")),
        ("CHK-0: done", ("CHK", 0, "item")),
        ("chk-3: testing", ("CHK", 3, "item")),
        ("Chk: at risk", ("CHK", None, "product")),
        ("chk metrics: revenue 1", ("CHK", None, "metrics")),
    ],
)
def test_prefixes_are_recognised(text: str, prefix: tuple[str, int | None, str]) -> None:
    assert match_prefix(text) == prefix


@pytest.mark.parametrize(
    "text",
    [
        "CHK testing 80%",
        "hello CHK: at risk",
        "C: one letter",
        "ABCDEFGHIJK: eleven",
        "3DS: digit first",
        "HTTPS://example.com",
        "10:30 standup",
        "CHK status: fine",
        "",
    ],
)
def test_other_messages_have_no_prefix(text: str) -> None:
    assert match_prefix(text) is None
    assert parse_chat_update(text) is None


@given(
    key=st.from_regex(KEY_RE, fullmatch=True),
    number=st.integers(1, 999_999_999),
)
def test_any_key_and_number_round_trip_through_the_prefix(key: str, number: int) -> None:
    assert match_prefix(f"{key}-{number}: done") == (key, number, "item")
    parsed = parse_chat_update(f"{key}-{number}: done")
    assert isinstance(parsed, ItemUpdate)
    assert (parsed.key, parsed.number, parsed.status) == (key, number, "done")


# item updates: the examples from the product brief


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "CHK-3: testing, 80% — blocked by the payments vendor",
            item(status="testing", progress=80, blocker="the payments vendor"),
        ),
        ("CHK-3: in progress 40%", item(status="in progress", progress=40)),
        ("CHK-3: done", item(status="done")),
        ("CHK-3: 60%", item(progress=60)),
        ("CHK-3: wip 30%", item(status="in progress", progress=30)),
        ("CHK-3: blocker: legal review", item(blocker="legal review")),
        ("CHK-3: unblocked, 90%", item(clears_blocker=True, progress=90)),
        ("CHK-1: testing 60%", item(1, status="testing", progress=60)),
        ("CHK-3: waiting on design", item(note="waiting on design")),
    ],
)
def test_brief_item_examples(text: str, expected: ItemUpdate) -> None:
    assert parse_chat_update(text) == expected


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("idea", "idea"),
        ("planned", "planned"),
        ("scheduled", "planned"),
        ("in progress", "in progress"),
        ("In-Progress", "in progress"),
        ("WIP", "in progress"),
        ("started", "in progress"),
        ("ongoing", "in progress"),
        ("testing", "testing"),
        ("QA", "testing"),
        ("done", "done"),
        ("shipped", "done"),
        ("complete", "done"),
        ("completed", "done"),
        ("finished", "done"),
        ("dropped", "dropped"),
        ("cancelled", "dropped"),
        ("canceled", "dropped"),
        ("done!", "done"),
        ("status: testing", "testing"),
    ],
)
def test_status_synonyms_map_to_roadmap_statuses(word: str, status: str) -> None:
    parsed = parse_chat_update(f"CHK-3: {word}")
    assert parsed == item(status=status)
    assert status in STATUSES


@pytest.mark.parametrize("separator", [", ", "; ", " — ", " – ", " - ", "—", ",", "\n"])
def test_every_separator_splits_parts(separator: str) -> None:
    assert parse_chat_update(f"CHK-3: testing{separator}80%{separator}blocked by legal") == item(
        status="testing", progress=80, blocker="legal"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CHK-3: 80 %", item(progress=80)),
        ("CHK-3: progress 80%", item(progress=80)),
        ("CHK-3: at 80%", item(progress=80)),
        ("CHK-3: 80% done", item(progress=80)),
        ("CHK-3: testing at 80%", item(status="testing", progress=80)),
        ("CHK-3: 40% in progress", item(status="in progress", progress=40)),
        ("CHK-3: 0%", item(progress=0)),
        ("CHK-3: 100%", item(progress=100)),
        ("CHK-3: 62.5%", item(progress=62)),
    ],
)
def test_progress_forms(text: str, expected: ItemUpdate) -> None:
    assert parse_chat_update(text) == expected


def test_progress_over_100_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_chat_update("CHK-3: testing 140%")
    assert caught.value.message.startswith("Progress is 0–100 %; you wrote `140%`.")
    assert "`CHK-3: testing 80%`" in caught.value.message


def test_two_statuses_are_refused() -> None:
    with pytest.raises(InvalidInput, match="two statuses, `testing` and `done`"):
        parse_chat_update("CHK-3: testing, done")


def test_repeating_the_same_status_is_fine() -> None:
    assert parse_chat_update("CHK-3: wip, in progress") == item(status="in progress")


def test_two_progress_figures_are_refused() -> None:
    with pytest.raises(InvalidInput, match="two progress figures, 40% and 60%"):
        parse_chat_update("CHK-3: 40%, 60%")


def test_blocked_without_reason_asks_what_blocks_it() -> None:
    for text in (
        "CHK-3: blocked",
        "CHK-3: testing, blocked",
        "CHK-3: blocked by",
        "CHK-3: blocker:",
    ):
        with pytest.raises(InvalidInput, match=re.escape("Say what blocks `CHK-3`")):
            parse_chat_update(text)


def test_blocked_and_unblocked_together_is_refused() -> None:
    with pytest.raises(InvalidInput, match="both blocked and unblocked"):
        parse_chat_update("CHK-3: unblocked, blocked by legal")


@pytest.mark.parametrize(
    "text",
    [
        "CHK-3: no blocker",
        "CHK-3: No blockers",
        "CHK-3: blocker cleared",
        "CHK-3: not blocked anymore",
        "CHK-3: no longer blocked",
    ],
)
def test_blocker_clearing_phrases(text: str) -> None:
    assert parse_chat_update(text) == item(clears_blocker=True)


@pytest.mark.parametrize(
    ("text", "blocker"),
    [
        ("CHK-3: blocked by legal", "legal"),
        ("CHK-3: Blocked on the vendor contract.", "the vendor contract"),
        ("CHK-3: blocked: legal", "legal"),
        ("CHK-3: blocker is legal", "legal"),
        ("CHK-3: blocker legal review", "legal review"),
    ],
)
def test_blocker_phrases(text: str, blocker: str) -> None:
    assert parse_chat_update(text) == item(blocker=blocker)


def test_blocker_without_separator_after_status_and_progress() -> None:
    assert parse_chat_update("CHK-3: testing 80% blocked by vendor") == item(
        status="testing", progress=80, blocker="vendor"
    )


def test_text_after_a_blocker_continues_the_blocker() -> None:
    assert parse_chat_update("CHK-3: blocked by legal, finance and the vendor; 50%") == item(
        progress=50, blocker="legal, finance and the vendor"
    )


def test_sentence_around_a_blocker_is_kept_as_the_note() -> None:
    assert parse_chat_update("CHK-3: design is still blocked by legal") == item(
        blocker="legal", note="design is still blocked by legal"
    )


def test_status_word_starting_a_sentence_is_only_a_note() -> None:
    assert parse_chat_update("CHK-3: done with the QA review") == item(
        note="done with the QA review"
    )
    assert parse_chat_update("CHK-3: started integration work") == item(
        note="started integration work"
    )


def test_progress_starting_a_sentence_is_read_and_the_rest_is_the_note() -> None:
    assert parse_chat_update("CHK-3: testing 80% waiting on vendor sign-off") == item(
        status="testing", progress=80, note="waiting on vendor sign-off"
    )
    assert parse_chat_update("CHK-3: 80% done. Waiting on QA; vendor late") == item(
        progress=80, note="Waiting on QA; vendor late"
    )


def test_notes_keep_their_wording_and_separators() -> None:
    assert parse_chat_update("CHK-3: testing, waiting on design; vendor late - again") == item(
        status="testing", note="waiting on design; vendor late - again"
    )
    assert parse_chat_update("CHK-3: off-by-one fix, 1,200 users affected") == item(
        note="off-by-one fix, 1,200 users affected"
    )


def test_empty_item_update_is_refused() -> None:
    for text in ("CHK-3:", "CHK-3:   ", "CHK-3: , ;"):
        with pytest.raises(InvalidInput, match=re.escape("There's nothing after `CHK-3:`")):
            parse_chat_update(text)


def test_item_zero_is_refused() -> None:
    with pytest.raises(InvalidInput, match="numbered from 1"):
        parse_chat_update("CHK-0: done")


# product updates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CHK: at risk, launch slips two weeks", product("at risk", note="launch slips two weeks")),
        ("CHK: on track", product("on track")),
        ("CHK: off-track — vendor gone", product("off track", note="vendor gone")),
        ("CHK: launch next week", product(note="launch next week")),
    ],
)
def test_brief_product_examples(text: str, expected: ProductUpdate) -> None:
    assert parse_chat_update(text) == expected


@pytest.mark.parametrize(
    ("text", "health"),
    [
        ("CHK: On Track", "on track"),
        ("CHK: on-track", "on track"),
        ("CHK: ontrack", "on track"),
        ("CHK: at-risk", "at risk"),
        ("CHK: off_track", "off track"),
        ("CHK: health: at risk", "at risk"),
        ("CHK: green", "on track"),
        ("CHK: amber", "at risk"),
        ("CHK: red!", "off track"),
    ],
)
def test_health_variants(text: str, health: str) -> None:
    parsed = parse_chat_update(text)
    assert parsed == product(health)
    assert health in HEALTHS


def test_health_phrase_starting_a_sentence_is_read_with_the_rest_as_note() -> None:
    assert parse_chat_update("CHK: at risk because the vendor left") == product(
        "at risk", note="because the vendor left"
    )


def test_colour_words_inside_a_sentence_are_just_notes() -> None:
    assert parse_chat_update("CHK: red flag on pricing") == product(note="red flag on pricing")
    assert parse_chat_update("CHK: launch at risk") == product(note="launch at risk")


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("CHK: growth", "growth"),
        ("CHK: stage maturity", "maturity"),
        ("CHK: stage: decline", "decline"),
        ("CHK: now in development", "development"),
        ("CHK: moved to launch", "launch"),
        ("CHK: Growth stage", "growth"),
    ],
)
def test_stage_forms(text: str, stage: str) -> None:
    assert parse_chat_update(text) == product(stage=stage)
    assert stage in STAGES


def test_health_stage_and_note_together() -> None:
    assert parse_chat_update("CHK: on track; growth; hiring two engineers") == product(
        "on track", "growth", "hiring two engineers"
    )


def test_two_healths_are_refused() -> None:
    with pytest.raises(InvalidInput, match="two healths, `on track` and `at risk`"):
        parse_chat_update("CHK: on track, at risk")


def test_two_stages_are_refused() -> None:
    with pytest.raises(InvalidInput, match="two stages"):
        parse_chat_update("CHK: growth, decline")


def test_empty_product_update_is_refused() -> None:
    with pytest.raises(InvalidInput, match=re.escape("There's nothing after `CHK:`")):
        parse_chat_update("CHK:")


def test_fyi_parses_syntactically_as_a_product_note() -> None:
    assert parse_chat_update("FYI: lunch is here") == ProductUpdate(
        "FYI", None, None, "lunch is here"
    )


# metrics


def test_brief_metrics_example() -> None:
    assert parse_chat_update("CHK metrics: revenue 120k, csat 4.4, reach 12000") == MetricsUpdate(
        "CHK", (("revenue", D("120000")), ("csat", D("4.4")), ("reach", D("12000")))
    )


def test_metrics_with_currency_and_semicolon() -> None:
    assert parse_chat_update("CHK metrics: revenue $1.2m; nps 42") == MetricsUpdate(
        "CHK", (("revenue", D("1200000")), ("nps", D("42"))), (("revenue", "USD"),)
    )


def test_metrics_keep_the_currency_each_was_written_in() -> None:
    parsed = parse_chat_update("CHK metrics: revenue €5k, arr 120k USD, csat 4.4")
    assert isinstance(parsed, MetricsUpdate)
    assert parsed.currencies == (("revenue", "EUR"), ("arr", "USD"))


def test_metric_values_are_exact_and_plainly_written() -> None:
    parsed = parse_chat_update("CHK metrics: revenue 1.5m, conversion 0.0375")
    assert isinstance(parsed, MetricsUpdate)
    assert [str(value) for _, value in parsed.metrics] == ["1500000", "0.0375"]


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("customer satisfaction 4.5", "csat"),
        ("Customer-Satisfaction 4.5", "csat"),
        ("satisfaction 4.5", "csat"),
        ("CSAT 4.5", "csat"),
        ("sales 4.5", "revenue"),
        ("MAU 4.5", "mau"),
        ("users 4.5", "users"),
        ("Daily Active Users 4.5", "daily_active_users"),
        ("d30 retention 4.5%", "d30_retention"),
        ("nps: 4.5", "nps"),
        ("nps = 4.5", "nps"),
        ("revenue is 4.5", "revenue"),
        ("Umsatz über 4.5", "umsatz_uber"),
    ],
)
def test_metric_names_are_normalised(written: str, name: str) -> None:
    assert parse_chat_update(f"CHK metrics: {written}") == MetricsUpdate("CHK", ((name, D("4.5")),))


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("revenue 120,000", D("120000")),
        ("revenue USD 120k", D("120000")),
        ("revenue 120k EUR", D("120000")),
        ("revenue -5k", D("-5000")),
        ("revenue €1.2M", D("1200000")),
        ("conversion 3.5%", D("3.5")),
    ],
)
def test_metric_value_forms(written: str, value: Decimal) -> None:
    parsed = parse_chat_update(f"CHK metrics: {written}, csat 4")
    assert isinstance(parsed, MetricsUpdate)
    assert parsed.metrics[0][1] == value
    assert parsed.metrics[1] == ("csat", D("4"))


def test_unreadable_metric_value_names_the_metric() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_chat_update("CHK metrics: revenue lots")
    assert caught.value.message == (
        "I couldn't read the value of `revenue`: `lots`. "
        "Write it like `CHK metrics: revenue 120k, csat 4.4`."
    )


def test_unreadable_value_of_a_synonym_names_the_normalised_metric() -> None:
    with pytest.raises(InvalidInput, match="value of `csat`: `high`"):
        parse_chat_update("CHK metrics: customer satisfaction high")


def test_metric_without_value_asks_for_one() -> None:
    with pytest.raises(InvalidInput, match="`revenue` needs a value"):
        parse_chat_update("CHK metrics: revenue")


def test_value_without_name_asks_for_the_name() -> None:
    with pytest.raises(InvalidInput, match="couldn't find a metric name in `120k`"):
        parse_chat_update("CHK metrics: 120k")


def test_no_metrics_is_refused() -> None:
    for text in ("CHK metrics:", "CHK metrics:  ;, "):
        with pytest.raises(
            InvalidInput, match=re.escape("at least one metric after `CHK metrics:`")
        ):
            parse_chat_update(text)


def test_same_metric_twice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="`revenue` appears twice"):
        parse_chat_update("CHK metrics: revenue 1k, sales 2k")


def test_overlong_metric_name_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at most 40 characters"):
        parse_chat_update(f"CHK metrics: {'x' * 41} 5")


# feedback


def test_feedback_keeps_the_text() -> None:
    assert parse_chat_update("CHK feedback: customers want Apple Pay") == FeedbackUpdate(
        "CHK", "customers want Apple Pay"
    )
    assert parse_chat_update("CHK feedback:  love it, but slow; fix pls ") == FeedbackUpdate(
        "CHK", "love it, but slow; fix pls"
    )


def test_empty_feedback_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Write the feedback after `CHK feedback:`"):
        parse_chat_update("CHK feedback:   ")


@given(st.text(max_size=200))
def test_any_text_after_a_prefix_parses_or_raises_invalid_input(body: str) -> None:
    for prefix in ("CHK-3: ", "CHK: ", "CHK metrics: ", "CHK feedback: "):
        try:
            parsed = parse_chat_update(prefix + body)
        except InvalidInput:
            continue
        assert parsed is not None


# one grammar with the slash commands: typos, clearing, length


@pytest.mark.parametrize(
    ("text", "said", "hint"),
    [
        ("CHK-2: tseting 50%", "tseting", "testing"),
        ("CHK-2: tseting", "tseting", "testing"),
        ("CHK-2: in progres, 40%", "in progres", "in progress"),
        ("CHK-2: shiped", "shiped", "shipped"),
        ("CHK-2: tseting 50% waiting on the vendor", "tseting", "testing"),
    ],
)
def test_a_mistyped_status_is_refused_with_did_you_mean(text: str, said: str, hint: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_chat_update(text)
    message = caught.value.message
    assert f"`{said}` isn't a status. Did you mean `{hint}`?" in message
    assert "Nothing was recorded" in message


def test_a_percentage_after_words_that_are_no_status_is_not_a_silent_note() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_chat_update("CHK-3: tests at 80%")
    assert "`tests` isn't a status, so `80%` wasn't taken as progress" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "CHK-3: delayed",
        "CHK-3: waiting on design",
        "CHK-3: load tests pass at 95% on staging",
        "CHK-3: done with the QA review",
    ],
)
def test_ordinary_notes_stay_notes(text: str) -> None:
    parsed = parse_chat_update(text)
    assert isinstance(parsed, ItemUpdate) and parsed.note


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("CHK: at rsik, vendor late", "at risk"),
        ("CHK: growht", "growth"),
        ("CHK: on trak", "on track"),
    ],
)
def test_a_mistyped_health_or_stage_is_refused(text: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"Did you mean `{hint}`")):
        parse_chat_update(text)


@pytest.mark.parametrize(
    "text", ["CHK-3: blocker: none", "CHK-3: blocked by -", "CHK-3: blocker: n/a"]
)
def test_a_blocker_of_none_clears_it(text: str) -> None:
    assert parse_chat_update(text) == item(clears_blocker=True)


@pytest.mark.parametrize(
    ("prefix", "what"), [("CHK-3: ", "A note"), ("CHK: ", "A note"), ("CHK feedback: ", "Feedback")]
)
def test_notes_and_feedback_have_the_slash_commands_limit(prefix: str, what: str) -> None:
    assert parse_chat_update(prefix + "x" * 500) is not None
    with pytest.raises(InvalidInput) as caught:
        parse_chat_update(prefix + "x" * 4400)
    assert caught.value.message.startswith(f"{what} can be at most 500 characters")
    assert "4,400" in caught.value.message


def test_a_long_blocker_is_refused_like_a_long_note() -> None:
    with pytest.raises(InvalidInput, match="A blocker can be at most 500"):
        parse_chat_update("CHK-3: blocked by " + "y" * 501)
