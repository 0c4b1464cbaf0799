"""Help in words: a command's subcommands, one subcommand's help, the chat guide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.vocabulary import HEALTH_COLOURS, HEALTH_SYNONYMS, HEALTHS, STATUS_SYNONYMS, STATUSES
from handlers.blocks import Message, build
from handlers.render import escape, render


def command_help(
    command: str, entries: Sequence[tuple[str, str]], intro: str, guide: Sequence[str] = ()
) -> Message:
    """Help: each subcommand with one example, then how to ask about one (and any guide)."""
    lines = [f"`{escape(usage)}`\n      {escape(text)}" for usage, text in entries]
    return build(
        fallback=escape(f"{command} help"),
        title=f"{command} help",
        body=[escape(intro)],
        lines=lines,
        more="more commands",
        after=guide,
        footer=f"`{command} VERB help` (or `{command} help VERB`) for one command: "
        "its examples and the words it accepts",
    )


def verb_help(
    command: str,
    verb: str,
    *,
    usage: str,
    summary: str,
    details: str,
    examples: Sequence[str],
    words: Sequence[tuple[str, Sequence[str]]],
) -> Message:
    """One subcommand's help: usage, what it does, examples and the words it accepts."""
    body = render(
        "help/verb.mrkdwn.j2",
        usage=usage,
        summary=summary,
        details=details,
        examples=examples,
        words=words,
    )
    return build(
        fallback=escape(f"{command} {verb}: {usage}"),
        title=f"{command} {verb}",
        body=[part.strip() for part in body.split("\n---\n")],
        footer=f"`{command} help` lists every command",
    )


def synonyms(table: Mapping[str, str], canonical: Sequence[str]) -> list[tuple[str, list[str]]]:
    """For each canonical word, the other words people may type for it."""
    return [
        (word, [said for said, meant in table.items() if meant == word and said != word])
        for word in canonical
    ]


def chat_guide() -> str:
    """How to post updates in chat: the four forms, unblocking, statuses and their synonyms."""
    colours = {
        health: [colour for colour, meant in HEALTH_COLOURS.items() if meant == health]
        for health in HEALTHS
    }
    return render(
        "help/chat.mrkdwn.j2",
        statuses=synonyms(STATUS_SYNONYMS, STATUSES),
        healths=[
            (health, said + colours[health]) for health, said in synonyms(HEALTH_SYNONYMS, HEALTHS)
        ],
    )


def synonym_words(table: Mapping[str, str]) -> tuple[str, ...]:
    """Each synonym with the word it stands for (`wip → in progress`), for a help word list."""
    return tuple(f"{said} → {meant}" for said, meant in table.items() if said != meant)
