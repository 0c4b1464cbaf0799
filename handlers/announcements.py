"""Proposal announcements that follow their decision: Accept and Reject, and every copy updated.

`announcement_buttons` gives an owner's `set` the Accept / Reject buttons for the proposals it
just made and a hook that remembers where each copy of the announcement went (a DM per
portfolio manager, or the portfolio's channels). After any decision, by a button, by
`/portfolio accept|reject` or from App Home, `refresh_announcements` edits every copy so it
says how each proposal ended; one still waiting keeps its buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from domain.services import Services
from domain.services.announcements import AnnouncedProposal, PostedAnnouncement
from domain.views import Proposed
from handlers.blocks import Message, build
from handlers.buttons import proposal_actions, with_actions
from handlers.governance import change_words
from handlers.render import Mrkdwn, escape, mention, mentions, render

log = logging.getLogger("folio.announcements")
Posted = Callable[[str, str], None]


def announcement_buttons(
    services: Services, team_id: str, key: str, proposed: Proposed
) -> tuple[list[dict[str, Any]], Posted | None]:
    """Accept / Reject for the proposals a `set` just made, and where to note each copy."""
    fields = [p.field for p in proposed.proposals]
    ids = services.announcements.pending_ids(team_id, key, fields) if fields else ()
    if not ids:
        return [], None

    def posted(channel_id: str, ts: str) -> None:
        try:
            services.announcements.remember(team_id, ids, channel_id, ts)
        except Exception:  # the announcement went out; only its later update is lost
            log.exception("could not note an announcement team=%s channel=%s", team_id, channel_id)

    return [proposal_actions(key, ids)], posted


def announced_message(posted: PostedAnnouncement) -> Message:
    """An announcement as it reads now: each proposal with how it was decided."""
    lines = [(change_words(p.view), state_words(p)) for p in posted.proposals]
    text = render(
        "proposals/announced.mrkdwn.j2",
        posted=posted,
        authors=mentions(dict.fromkeys(p.view.author_id for p in posted.proposals)),
        lines=lines,
        reason=next((p.view.reason for p in posted.proposals if p.view.reason), None),
        pending=bool(posted.pending),
    )
    states = ", ".join(f"{p.view.field} {p.status}" for p in posted.proposals)
    message = build(fallback=escape(f"Proposal on {posted.key}: {states}"), body=[text])
    if posted.pending:
        return with_actions(message, proposal_actions(posted.key, posted.pending))
    return message


def state_words(proposal: AnnouncedProposal) -> Mrkdwn:
    """Where one announced proposal stands: `:white_check_mark: accepted by @carol`."""
    by = mention(proposal.decided_by) if proposal.decided_by else Mrkdwn("someone")
    words = {
        "pending": "_waiting for a decision_",
        "accepted": f":white_check_mark: accepted by {by}",
        "rejected": f":x: rejected by {by}",
        "withdrawn": f"withdrawn by {by}",
        "replaced": "replaced by a newer proposal",
        "superseded": f"{by} set it directly instead",
    }
    return Mrkdwn(words.get(proposal.status, escape(proposal.status)))


def refresh_announcements(
    client: WebClient,
    services: Services,
    team_id: str,
    key: str,
    *,
    skip: tuple[str, str] | None = None,
) -> list[tuple[PostedAnnouncement, Message]]:
    """Edit every posted copy of the product's decided announcements (but `skip`, answered
    in place by the caller); returns them with their new words."""
    updated = []
    for posted in services.announcements.settle(team_id, key):
        message = announced_message(posted)
        updated.append((posted, message))
        if (posted.channel_id, posted.ts) == skip:
            continue
        try:
            client.chat_update(channel=posted.channel_id, ts=posted.ts, **message.payload())
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning(
                "could not update an announcement team=%s channel=%s: %s",
                team_id,
                posted.channel_id,
                error,
            )
    return updated
