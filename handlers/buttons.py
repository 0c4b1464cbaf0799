"""The buttons on what Folio posts: their action ids, their values, and where they go.

A button's value names its target in the workspace the click comes from, never another:
`product:CHK` (show, roadmap, post update, no change), `portfolio` (post an update, product
to be picked) and `proposal:CHK:12.13` (accept or reject those proposals). A value is
untrusted text: `parse_value` reads it strictly and anything else is no target at all.

Action ids carry the `msg_` prefix (App Home's are `home_`, modals' `modal_`). Where one
message repeats a button for several products (a reminder), the id gets a `.KEY` suffix so
each stays unique in the message, and `action_pattern` matches them all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.digest import StatusDigest
from handlers.blocks import (
    MAX_BLOCKS,
    OPTIONS_LIMIT,
    Message,
    actions,
    button,
    confirmation,
    option,
    select,
)
from handlers.render import escape

SHOW_PRODUCT = "msg_show_product"
OPEN_ROADMAP = "msg_open_roadmap"
POST_UPDATE = "msg_post_update"
NO_CHANGE = "msg_no_change"
ACCEPT_PROPOSAL = "msg_accept_proposal"
REJECT_PROPOSAL = "msg_reject_proposal"
ACTION_IDS = (SHOW_PRODUCT, OPEN_ROADMAP, POST_UPDATE, NO_CHANGE, ACCEPT_PROPOSAL, REJECT_PROPOSAL)

PORTFOLIO = "portfolio"
MAX_IDS = 20  # proposals one announcement names (one per funding input at most)
REMINDER_BUTTONS = 10  # products of a reminder that get their own buttons
_KEY = r"[A-Z][A-Z0-9]{1,9}"
_IDS = rf"[0-9]{{1,12}}(?:\.[0-9]{{1,12}}){{0,{MAX_IDS - 1}}}"
_VALUE = re.compile(
    rf"(?:product:(?P<key>{_KEY})"
    rf"|proposal:(?P<proposal_key>{_KEY}):(?P<ids>{_IDS})"
    rf"|(?P<portfolio>{PORTFOLIO}))"
)


@dataclass(frozen=True)
class Target:
    """What a button points at: a product (by key), proposals (by id), or just the portfolio."""

    key: str | None = None
    proposal_ids: tuple[int, ...] = ()


def action_pattern(action_id: str) -> re.Pattern[str]:
    """Matches an action id with or without its `.KEY` suffix."""
    return re.compile(rf"^{re.escape(action_id)}(\.[A-Z0-9]{{1,10}})?$")


def product_value(key: str) -> str:
    """The value of a button about one product."""
    return f"product:{key}"


def proposal_value(key: str, ids: Sequence[int]) -> str:
    """The value of an Accept or Reject button: the product and the proposals it decides."""
    return f"proposal:{key}:" + ".".join(str(i) for i in ids[:MAX_IDS])


def parse_value(value: object) -> Target | None:
    """A button's or option's value read strictly; None when it is not one of ours."""
    if not isinstance(value, str):
        return None
    found = _VALUE.fullmatch(value.strip())
    if found is None:
        return None
    if found["portfolio"]:
        return Target()
    if found["key"]:
        return Target(key=found["key"])
    ids = tuple(dict.fromkeys(int(i) for i in found["ids"].split(".")))
    return Target(key=found["proposal_key"], proposal_ids=ids)


def card_actions(key: str) -> dict[str, Any]:
    """A product card's buttons: Open roadmap, Post update."""
    return actions(
        [
            button("Open roadmap", OPEN_ROADMAP, product_value(key)),
            button("Post update", POST_UPDATE, product_value(key), style="primary"),
        ],
        block_id=f"msg_card_{key}",
    )


def product_options(products: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Select options for (key, name) pairs, each once, in the order given (at most 100).

    Names are escaped as everywhere Folio posts them: a product named `<!channel>` pings no one.
    """
    seen: dict[str, str] = {}
    for key, name in products:
        seen.setdefault(key, name)
    return [
        option(escape(f"{key} · {name}") if name else key, product_value(key))
        for key, name in list(seen.items())[:OPTIONS_LIMIT]
    ]


def list_actions(
    products: Sequence[tuple[str, str]], *, block_id: str, suffix: str | None = None
) -> dict[str, Any] | None:
    """A ranking's or digest's menus: Show product ▾, Open roadmap ▾, and Post update.

    `suffix` keeps the action ids unique where two such blocks share a message (a preview
    of both digests).
    """
    options = product_options(products)
    if not options:
        return None
    end = f".{suffix}" if suffix else ""
    return actions(
        [
            select("Show product…", SHOW_PRODUCT + end, options),
            select("Open roadmap…", OPEN_ROADMAP + end, options),
            button("Post update", POST_UPDATE + end, PORTFOLIO),
        ],
        block_id=block_id,
    )


def status_products(d: StatusDigest) -> list[tuple[str, str]]:
    """The products a status digest names, most urgent first, as (key, name)."""
    named: list[tuple[str, str]] = [(a.key, a.name) for a in d.attention]
    named += [(h.key, h.name) for h in d.health_changes]
    for group in (d.new_blockers, d.overdue, d.done, d.status_changes, d.cleared_blockers):
        named += [(item.ref.rsplit("-", 1)[0], "") for item in group]
    named += [(m.key, "") for m in d.metric_moves]
    named += [(item.ref.rsplit("-", 1)[0], "") for item in d.due_soon]
    named += [(s.key, s.name) for s in d.stale]
    names = {key: name for key, name in named if name}
    return [(key, names.get(key, "")) for key, _ in named]


def reminder_actions(key: str) -> dict[str, Any]:
    """A reminder's buttons for one product: Post update, No change this week."""
    return actions(
        [
            button(
                f"Post update · {key}", f"{POST_UPDATE}.{key}", product_value(key), style="primary"
            ),
            button(f"No change this week · {key}", f"{NO_CHANGE}.{key}", product_value(key)),
        ],
        block_id=reminder_block_id(key),
    )


def reminder_block_id(key: str) -> str:
    """The block holding one product's reminder buttons (replaced once it is answered)."""
    return f"msg_reminder_{key}"


def proposal_actions(key: str, ids: Sequence[int]) -> dict[str, Any]:
    """An announcement's Accept and Reject (Reject asks first)."""
    value = proposal_value(key, ids)
    return actions(
        [
            button("Accept", ACCEPT_PROPOSAL, value, style="primary"),
            button(
                "Reject",
                REJECT_PROPOSAL,
                value,
                style="danger",
                confirm=confirmation(
                    f"Reject the proposal on {key}?",
                    "Nothing changes on the product and its author is told. To say why, use "
                    f"`/portfolio reject {key} | why …` instead.",
                    "Reject",
                ),
            ),
        ],
        block_id=f"msg_proposal_{key}",
    )


def with_actions(message: Message, *blocks: dict[str, Any] | None) -> Message:
    """The message with action blocks added before its footer; unchanged if 50 blocks are full.

    What the message says comes first: a message already at Slack's limit keeps its text and
    goes without buttons (the commands they stand for are in its footer).
    """
    extra = [block for block in blocks if block is not None]
    if not extra or len(message.blocks) + len(extra) > MAX_BLOCKS:
        return message
    body = list(message.blocks)
    footer = [body.pop()] if body and body[-1].get("type") == "context" else []
    return Message(text=message.text, blocks=[*body, *extra, *footer])
