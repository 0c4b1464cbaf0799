"""App Home as Block Kit: what HomeService decided a person sees, within Slack's limits.

The tab holds at most 100 blocks, a section 3,000 characters; long lists end with
"… and N more". Buttons carry their product (and proposal field) as untrusted values that
the services check again when pressed; their action ids start with `home_`.
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from domain.services.home import HomeView, OwnedProduct
from domain.views import ProposalView
from domain.vocabulary import MEASURE_LABELS
from handlers.blocks import context, divider, header, pack_lines, plain, section
from handlers.digests.messages import schedule_words
from handlers.digests.ranking import movement_label
from handlers.governance import change_words
from handlers.modals.elements import text
from handlers.ranking import format_measure
from handlers.render import Mrkdwn, escape, render

MAX_HOME_BLOCKS = 100
POST_UPDATE = "home_post_update"
EDIT_PRODUCT = "home_edit_product"
ACCEPT = "home_accept"
REJECT = "home_reject"
ACTIONS = (POST_UPDATE, EDIT_PRODUCT, ACCEPT, REJECT)
RANKING_ROWS = 10


def button(
    label: str, action: str, suffix: str, value: str, *, primary: bool = False
) -> dict[str, Any]:
    """A button whose action id is unique in the view (`home_post_update:CHK`)."""
    element: dict[str, Any] = {
        "type": "button",
        "text": text(label, 75),
        "action_id": f"{action}:{suffix}"[:255],
        "value": value[:2000],
    }
    if primary:
        element["style"] = "primary"
    return element


def proposal_value(proposal: ProposalView) -> str:
    """What an Accept or Reject button carries: the product and the proposal's field."""
    return json.dumps({"key": proposal.product_key, "field": proposal.field}, separators=(",", ":"))


def home_view(view: HomeView, *, tz: str, notice: str | None = None) -> dict[str, Any]:
    """The App Home tab for one person."""
    blocks: list[dict[str, Any]] = [header(f"Folio · {view.portfolio or 'not set up yet'}")]
    week = view.week_start.astimezone(ZoneInfo(tz)).date()
    blocks.append(context(render("home/intro.mrkdwn.j2", view=view, week=week)))
    if notice:
        blocks.append(section(notice))
    if view.portfolio is None:
        blocks.append(
            section(
                "Folio isn't set up in this workspace yet. Start with `/portfolio setup` "
                "(for example `/portfolio setup Products | currency USD | budget 2m`)."
            )
        )
        return {"type": "home", "blocks": blocks}
    if view.owned_total:
        blocks += owned_blocks(view, tz)
    if view.role == "manager":
        blocks += manager_blocks(view, tz)
    blocks += ranking_blocks(view, tz)
    blocks.append(context(render("home/ask_more.mrkdwn.j2")))
    if len(blocks) > MAX_HOME_BLOCKS:
        blocks = [*blocks[: MAX_HOME_BLOCKS - 1], context("_… and more: `/portfolio help`_")]
    return {"type": "home", "blocks": blocks}


def owned_blocks(view: HomeView, tz: str) -> list[dict[str, Any]]:
    """The person's products: health, next open items, this week's update, and the buttons."""
    waiting = len(view.needing_update)
    blocks = [divider(), section(render("home/owned_intro.mrkdwn.j2", waiting=waiting))]
    for product in view.owned:
        blocks.append(section(product_text(product, tz)))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"home_product:{product.key}",
                "elements": [
                    button(
                        "Post update",
                        POST_UPDATE,
                        product.key,
                        product.key,
                        primary=product.needs_update,
                    ),
                    button("Edit product", EDIT_PRODUCT, product.key, product.key),
                ],
            }
        )
    hidden = view.owned_total - len(view.owned)
    if hidden:
        blocks.append(context(f"_… and {hidden:,} more products: `/portfolio list`_"))
    return blocks


def product_text(product: OwnedProduct, tz: str) -> str:
    """A product's line, then its next open items (status, progress, target)."""
    lines = [render("home/product.mrkdwn.j2", p=product, tz=tz)]
    for item in product.next_items:
        lines.append("      " + render("roadmap/item_line.mrkdwn.j2", item=item))
    if not product.next_items:
        lines.append(
            f"      _No open roadmap items: `/roadmap add {escape(product.key)} Title` adds one._"
        )
    more = product.open_items - len(product.next_items)
    if more > 0:
        lines.append(f"      _… and {more:,} more: `/roadmap {escape(product.key)}`_")
    return plain("\n".join(lines), 3000)


def manager_blocks(view: HomeView, tz: str) -> list[dict[str, Any]]:
    """Budget, products needing attention, pending proposals, and the next digests."""
    blocks = [divider(), section(render("home/budget.mrkdwn.j2", view=view))]
    if view.attention:
        lines = [render("home/attention_line.mrkdwn.j2", a=a) for a in view.attention]
        hidden = view.attention_total - len(view.attention)
        if hidden:
            lines.append(f"_… and {hidden:,} more: `/portfolio list`_")
        blocks.append(section("*At risk or off track*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*At risk or off track* · none: every product is on track."))
    blocks += proposal_blocks(view)
    if view.digests:
        lines = [
            render(
                "home/digest_line.mrkdwn.j2",
                s=s,
                channel=Mrkdwn(f"<#{s.channel_id}>"),
                schedule=schedule_words(s.schedule),
                tz=tz,
            )
            for s in view.digests
        ]
        blocks.extend(pack_lines(["*Next digests*", *lines], room=2, more="more channels"))
    else:
        blocks.append(
            section(
                "*Next digests* · no channel is subscribed: "
                "`/portfolio digest weekly mon 09:00 both` in a channel subscribes it."
            )
        )
    return blocks


def proposal_blocks(view: HomeView) -> list[dict[str, Any]]:
    """Each pending proposal with Accept and Reject."""
    if not view.proposals_total:
        return [section("*Pending proposals* · none.")]
    blocks = [section(f"*Pending proposals* · {view.proposals_total:,}")]
    for proposal in view.proposals:
        suffix = f"{proposal.product_key}:{proposal.field}"
        blocks.append(
            section(render("proposals/line.mrkdwn.j2", p=proposal, change=change_words(proposal)))
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": f"home_proposal:{suffix}",
                "elements": [
                    button("Accept", ACCEPT, suffix, proposal_value(proposal), primary=True),
                    button("Reject", REJECT, suffix, proposal_value(proposal)),
                ],
            }
        )
    hidden = view.proposals_total - len(view.proposals)
    if hidden:
        blocks.append(context(f"_… and {hidden:,} more: `/portfolio proposals`_"))
    return blocks


def ranking_blocks(view: HomeView, tz: str) -> list[dict[str, Any]]:
    """The top of the ranking, with movement since the last digest."""
    ranking = view.ranking
    if ranking is None or not ranking.lines:
        return [divider(), section("*Ranking* · no products to rank yet.")]
    shown = ranking.lines[:RANKING_ROWS]
    intro = render(
        "home/ranking_intro.mrkdwn.j2",
        d=ranking,
        shown=len(shown),
        total=len(ranking.lines),
        measure=MEASURE_LABELS.get(ranking.measure, ranking.measure),
        tz=tz,
    )
    lines = [
        render(
            "digest/ranking_line.mrkdwn.j2",
            line=line,
            movement=movement_label(line.movement),
            currency=ranking.currency,
            value=format_measure(ranking.measure, ranking.currency, line.value),
        )
        for line in shown
    ]
    return [divider(), *pack_lines([intro, *lines], room=3, more="more products")]
