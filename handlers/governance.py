"""Telling people about proposals, and their words: announcements, decisions, history.

handlers.products uses these for an owner's `set`; handlers.proposals for accept/reject.
DMs go through conversations.open then chat.postMessage; a refusal is logged, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from domain.views import Decision, HistoryView, ProposalView, Proposed
from domain.vocabulary import WEIGHTS_INPUT
from handlers.blocks import Message, build
from handlers.render import Mrkdwn, escape, mention, mentions, render
from handlers.replies import text_message
from handlers.values import history_words, value_words

log = logging.getLogger("folio.proposals")


# -- telling people -----------------------------------------------------------------------------


Posted = Callable[[str, str], None]  # told where a message went: (channel id, ts)


def direct_message(
    client: WebClient, user_id: str, message: Message, posted: Posted | None = None
) -> bool:
    """DM a person (conversations.open, then chat.postMessage); False, logged, if refused."""
    try:
        opened = client.conversations_open(users=user_id)
        sent = client.chat_postMessage(channel=str(opened["channel"]["id"]), **message.payload())
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("proposal direct message failed user=%s: %s", user_id, error)
        return False
    if posted is not None:
        posted(str(sent["channel"]), str(sent["ts"]))
    return True


def post_in(
    client: WebClient, channel_id: str, message: Message, posted: Posted | None = None
) -> bool:
    """Post in a channel; False, logged, when Slack refused."""
    try:
        sent = client.chat_postMessage(channel=channel_id, **message.payload())
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("proposal announcement failed channel=%s: %s", channel_id, error)
        return False
    if posted is not None:
        posted(str(sent["channel"]), str(sent["ts"]))
    return True


def announce(
    client: WebClient,
    proposed: Proposed,
    author: str,
    *,
    buttons: Sequence[dict[str, Any]] = (),
    posted: Posted | None = None,
) -> tuple[str, ...]:
    """Tell the portfolio's managers of new proposals (DMs, else the linked channels).

    Also tells the authors of proposals a manager's direct change closed. Returns who (and
    which channels) were told. `buttons` (Accept, Reject) go on the announcement, and
    `posted` hears where each copy of it went (handlers.announcements keeps them).
    """
    told = [
        closed.author_id
        for closed in proposed.superseded
        if closed.author_id != author
        and direct_message(client, closed.author_id, superseded_message(closed, author))
    ]
    if proposed.proposals:
        message = announcement(proposed, author)
        message = Message(text=message.text, blocks=[*message.blocks, *buttons])
        told += [m for m in proposed.managers if direct_message(client, m, message, posted)]
        if not proposed.managers:
            told += [c for c in proposed.channels if post_in(client, c, message, posted)]
    return tuple(dict.fromkeys(told))


def tell_authors(client: WebClient, decision: Decision) -> tuple[str, ...]:
    """DM each author (but the decider) what became of their proposals."""
    authors = dict.fromkeys(p.author_id for p in decision.proposals)
    told = []
    for author in authors:
        if author == decision.decided_by:
            continue
        mine = [p for p in decision.proposals if p.author_id == author]
        if direct_message(client, author, decided_message(decision, mine)):
            told.append(author)
    return tuple(told)


# -- words --------------------------------------------------------------------------------------


def change_words(p: ProposalView, *, bold: bool = True) -> str:
    """`confidence 70% → *100%*`."""
    after = value_words(p.field, p.after, p.currency)
    return (
        f"{p.field} {value_words(p.field, p.before, p.currency)} → "
        f"{'*' + after + '*' if bold else after}"
    )


def proposed_words(p: ProposalView) -> str:
    """`confidence → 100%`: what a proposal asked for, without the value it had."""
    return f"{p.field} → {value_words(p.field, p.after, p.currency)}"


def proposed_text(proposed: Proposed, key: str, told: Sequence[str]) -> str:
    """What the owner is told: what was proposed, who decides, and what it replaced."""
    return render(
        "proposals/proposed.mrkdwn.j2",
        key=key,
        proposed=proposed,
        made=[change_words(p, bold=False) for p in proposed.proposals],
        replaced=[proposed_words(p) for p in proposed.replaced],
        withdrawn=[
            (proposed_words(p), p.field, value_words(p.field, p.before, p.currency))
            for p in proposed.withdrawn
        ],
        superseded=[(p.author_id, proposed_words(p)) for p in proposed.superseded],
        managers=mentions(proposed.managers),
        channels=mentions_of_channels(proposed.channels),
        told=tuple(told),
        heard=any(m in told for m in (*proposed.managers, *proposed.channels)),
    )


def mentions_of_channels(channels: Sequence[str]) -> str:
    """Channel links, comma-separated (`<#C123>`)."""
    return Mrkdwn(", ".join(f"<#{escape(c)}>" for c in channels))


def announcement(proposed: Proposed, author: str) -> Message:
    """The DM (or channel post) that tells managers of an owner's proposal."""
    first = proposed.proposals[0]
    text = render(
        "proposals/announcement.mrkdwn.j2",
        author=mention(author),
        p=first,
        changes=[change_words(p) for p in proposed.proposals],
        reason=first.reason,
        replaced=[proposed_words(p) for p in proposed.replaced],
    )
    return build(
        fallback=escape(f"Proposal on {first.product_key}: ")
        + ", ".join(change_words(p, bold=False) for p in proposed.proposals),
        body=[text],
    )


def decided_message(decision: Decision, mine: Sequence[ProposalView]) -> Message:
    """The DM that tells an author what a manager decided."""
    text = render(
        "proposals/decided.mrkdwn.j2",
        decision=decision,
        by=mention(decision.decided_by),
        changes=[change_words(p, bold=decision.verdict == "accepted") for p in mine],
    )
    return text_message(text)


def superseded_message(closed: ProposalView, manager: str) -> Message:
    """The DM that tells an author a manager set the field directly instead."""
    return text_message(
        render(
            "proposals/superseded.mrkdwn.j2",
            p=closed,
            by=mention(manager),
            now=value_words(closed.field, closed.before, closed.currency),
            proposed=value_words(closed.field, closed.after, closed.currency),
        )
    )


def history_message(view: HistoryView, tz: str = "UTC") -> Message:
    """A product's funding-input history, newest first, with how many more there are."""
    title = f"History · {view.key} {view.name}"
    entries = [
        render(
            "proposals/history_line.mrkdwn.j2",
            e=e,
            tz=tz,
            label="score weights (whole portfolio)" if e.field == WEIGHTS_INPUT else e.field,
            before=history_words(e.field, e.before, view.currency),
            after=history_words(e.field, e.after, view.currency),
        )
        for e in view.entries
    ]
    if view.total > len(view.entries):
        entries.append(f"_… and {view.total - len(view.entries):,} more, older changes_")
    return build(
        fallback=escape(f"{title}: {view.total} change{'s' if view.total != 1 else ''}"),
        title=title,
        body=[
            "Changes to the numbers that rank and fund it (investment, expected return, "
            "confidence, cash flows, objectives, category, the score weights), newest first."
            if view.entries
            else f"No changes to {escape(view.key)}'s funding inputs are recorded yet."
        ],
        lines=entries,
        more="more changes",
        footer=f"`/portfolio show {escape(view.key)}` for the card · `/portfolio proposals` "
        "for what waits for a decision",
    )
