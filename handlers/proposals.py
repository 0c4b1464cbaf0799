"""/portfolio proposals, accept and reject: owners propose funding inputs, managers decide.

The numbers that rank and fund products are portfolio decisions. A product owner's `set`
of one becomes a proposal, announced by DM to every granted portfolio manager (or, when
no one is granted the role, in the portfolio's linked channels); the owner gets a DM when
it is decided. `/portfolio show CHK | history` lists every change, direct or accepted.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.commands.governance import (
    ACCEPT_USAGE,
    PROPOSALS_USAGE,
    REJECT_USAGE,
    parse_decision,
    parse_proposals,
)
from domain.views import Decision, ProposalList
from domain.vocabulary import FUNDING_INPUT_FIELDS, FUNDING_INPUTS
from handlers.announcements import refresh_announcements
from handlers.blocks import Message, build
from handlers.commands import CommandSet, Reply, Request
from handlers.governance import change_words, tell_authors
from handlers.products import product_card
from handlers.render import escape, mentions, render


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio proposals, accept and reject."""
    fields = ("fields", tuple(FUNDING_INPUT_FIELDS[name] for name in FUNDING_INPUTS))
    portfolio.add(
        "proposals",
        PROPOSALS_USAGE,
        list_proposals,
        examples=(PROPOSALS_USAGE,),
    )
    portfolio.add(
        "accept",
        ACCEPT_USAGE,
        accept_proposal,
        examples=("/portfolio accept CHK", "/portfolio accept CHK confidence"),
        words=(fields,),
    )
    portfolio.add(
        "reject",
        REJECT_USAGE,
        reject_proposal,
        examples=(
            "/portfolio reject CHK | why the pilot is too small to tell",
            "/portfolio reject CHK cashflows",
        ),
        words=(fields,),
    )


def list_proposals(req: Request) -> Reply:
    """The pending proposals of this channel's portfolio, oldest first.

    A product owner who sets investment, return, confidence, cash flows, objectives or
    category proposes it; a portfolio manager accepts or rejects it.
    """
    parse_proposals(req.cmd)
    return Reply(proposal_list(req.services.proposals.proposals(req.actor, req.channel_id)))


def accept_proposal(req: Request) -> Reply:
    """Apply a product's pending proposals (or only one field's); portfolio managers only.

    The change lands in the product's history (`/portfolio show CHK | history`) and its
    author gets a DM.
    """
    request = parse_decision(req.cmd, reject=False)
    decision = req.services.proposals.accept(req.actor, request.key, request.field)
    told = tell_authors(req.client, decision)
    refresh_announcements(req.client, req.services, req.actor.team_id, decision.product_key)
    return Reply(decision_message(decision, told), in_channel=bool(decision.applied))


def reject_proposal(req: Request) -> Reply:
    """Turn down a product's pending proposals, saying why; its author can withdraw their own.

    Nothing changes on the product; the author gets a DM with the reason.
    """
    request = parse_decision(req.cmd, reject=True)
    decision = req.services.proposals.reject(req.actor, request.key, request.field, request.reason)
    told = tell_authors(req.client, decision)
    refresh_announcements(req.client, req.services, req.actor.team_id, decision.product_key)
    return Reply(decision_message(decision, told))


# -- words -------------------------------------------------------------------------------------


def decision_message(decision: Decision, told: Sequence[str]) -> Message:
    """The answer to accept or reject: what changed (with the card's summary) and who was told."""
    text = render(
        "proposals/decision.mrkdwn.j2",
        decision=decision,
        changes=[change_words(p) for p in decision.proposals],
        authors=mentions(dict.fromkeys(p.author_id for p in decision.proposals)),
        told=mentions(told),
    )
    message = build(
        fallback=escape(f"{decision.product_key} proposals {decision.verdict}"), body=[text]
    )
    if decision.card is not None and decision.applied:
        card = product_card(decision.card)
        return Message(text=message.text, blocks=message.blocks + card.blocks[:3])
    return message


def proposal_list(view: ProposalList) -> Message:
    """The pending proposals, one line each."""
    title = f"Pending proposals · {view.portfolio}"
    if not view.proposals:
        return build(
            fallback=escape(f"{view.portfolio}: no pending proposals"),
            title=title,
            body=[
                "No pending proposals. When a product owner sets investment, return, "
                "confidence, cash flows, objectives or category, it waits here for a portfolio "
                "manager."
            ],
        )
    lines = [
        render("proposals/line.mrkdwn.j2", p=p, change=change_words(p)) for p in view.proposals
    ]
    count = len(view.proposals)
    return build(
        fallback=escape(f"{view.portfolio}: {count} pending proposal{'s' if count != 1 else ''}"),
        title=title,
        lines=lines,
        more="more proposals",
        footer="`/portfolio accept CHK` · `/portfolio reject CHK | why …` · "
        "`/portfolio show CHK | history`",
    )
