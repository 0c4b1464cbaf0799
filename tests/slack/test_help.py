"""Every subcommand answers `help` (both ways round), and asking for help never changes data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from domain.models import Base
from domain.vocabulary import HEALTHS, MEASURES, STAGES, STATUSES
from handlers import command_sets
from handlers.commands import CommandSet
from tests.slack.conftest import SlackDriver, payload_text

PORTFOLIO, ROADMAP = command_sets()
VERBS = [(PORTFOLIO, verb) for verb in PORTFOLIO.verbs] + [
    (ROADMAP, verb) for verb in ROADMAP.verbs
]
IDS = [f"{commands.name[1:]}-{verb}" for commands, verb in VERBS]


BOOKKEEPING = {"inbox_events"}  # every command is written down before it runs: not data


def everything(slack: SlackDriver) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the inbox, to compare before and after."""
    with slack.folio.store.engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(str(v) for v in row) for row in conn.execute(select(table))),
            )
            for table in Base.metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }


@pytest.fixture
def ready(slack: SlackDriver) -> SlackDriver:
    slack.command("setup Products")
    slack.command("add CHK Checkout | owner <@U0BOB|bob> | investment 120k | return 400k")
    slack.command("add CHK First", command="/roadmap")
    return slack


@pytest.mark.parametrize(("commands", "verb"), VERBS, ids=IDS)
def test_every_verb_has_its_own_help_with_examples(commands: CommandSet, verb: str) -> None:
    sub = commands.subcommands[verb]
    assert sub.examples, f"{commands.name} {verb} has no examples: add them in add_subcommands"
    for example in sub.examples:
        assert example.startswith(commands.name + " "), example


@pytest.mark.parametrize(("commands", "verb"), VERBS, ids=IDS)
def test_verb_help_both_ways_round_answers_help_and_changes_nothing(
    ready: SlackDriver, commands: CommandSet, verb: str
) -> None:
    before = everything(ready)
    sub = commands.subcommands[verb]
    for text in (f"{verb} help", f"help {verb}", f"{verb.upper()} HELP"):
        answer = ready.command(text, command=commands.name, user="U0BOB")
        shown = payload_text(answer)
        assert answer.extra.get("response_type") == "ephemeral"
        assert ":warning:" not in answer.text, shown
        assert answer.blocks, shown
        assert f"{commands.name} {verb}" in answer.blocks[0]["text"]["text"]  # the header
        assert sub.usage in shown and sub.summary in shown
        for example in sub.examples:
            assert example in shown
        for _what, words in sub.words:
            for word in words:
                assert f"`{word}`" in shown
    assert everything(ready) == before


def test_setup_help_creates_no_portfolio(slack: SlackDriver) -> None:
    before = everything(slack)
    for text in ("setup help", "setup help | currency EUR", "help setup"):
        answer = slack.command(text)
        assert "/portfolio setup" in payload_text(answer)
    assert everything(slack) == before
    assert "isn't set up" in payload_text(slack.command("list"))


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("setup list", "/portfolio"),
        ("setup Rank", "/portfolio"),
        ("add HELP Helpdesk", "/portfolio"),
        ("add RANK Ranker", "/portfolio"),
        ("add CHX help", "/portfolio"),
        ("objective add HELP Be helpful", "/portfolio"),
        ("add CHK help", "/roadmap"),
    ],
)
def test_a_command_word_is_never_taken_as_a_name_or_key(
    ready: SlackDriver, text: str, command: str
) -> None:
    before = everything(ready)
    answer = ready.command(text, command=command)
    assert "command words" in payload_text(answer)
    assert everything(ready) == before


def test_help_words_come_from_the_vocabulary(ready: SlackDriver) -> None:
    set_help = payload_text(ready.command("help set"))
    for word in (*STAGES, *HEALTHS):
        assert f"`{word}`" in set_help
    assert "proposal" in set_help  # the governance rule is part of set's help
    rank_help = payload_text(ready.command("rank help"))
    for word in MEASURES:
        assert f"`{word}`" in rank_help
    update_help = payload_text(ready.command("update help", command="/roadmap"))
    for word in STATUSES:
        assert f"`{word}`" in update_help
    assert "`wip → in progress`" in update_help


def test_roadmap_help_teaches_the_chat_grammar(ready: SlackDriver) -> None:
    text = payload_text(ready.command("help", command="/roadmap"))
    for form in (
        "CHK-3: testing, 80% — blocked by the payments vendor",
        "CHK-3: unblocked, 90%",
        "CHK: at risk",
        "CHK metrics: revenue 120k",
        "CHK feedback:",
    ):
        assert form in text
    for status in STATUSES:
        assert f"`{status}`" in text
    assert "`shipped`" in text and "`red`" in text


def test_general_help_says_how_to_ask_about_one_command(ready: SlackDriver) -> None:
    text = payload_text(ready.command("help"))
    assert "`/portfolio VERB help`" in text
    answer = ready.command("help rnak")
    assert "Did you mean `/portfolio help rank`?" in payload_text(answer)
