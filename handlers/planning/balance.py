"""/portfolio balance: shares of investment by category, stage or health, and the warnings."""

from __future__ import annotations

from decimal import Decimal

from domain.balance import (
    CONCENTRATION_LIMIT,
    Concentrated,
    Flag,
    NoInvestment,
    NoPipeline,
    Troubled,
)
from domain.commands.planning import parse_balance
from domain.services.planning import BalanceView
from handlers.blocks import Message, build
from handlers.commands import Reply, Request
from handlers.formats import format_percent, format_percent_above
from handlers.render import escape, render


def show_balance(req: Request) -> Reply:
    """Shares of investment and expected value by category, stage or health, with warnings."""
    view = req.services.planning.balance(req.actor, req.channel_id, parse_balance(req.cmd))
    return Reply(balance_message(view))


def concentration_words(hhi: Decimal) -> str:
    """The HHI in words, on the usual thresholds (0.15 and 0.25 of the 0–1 scale)."""
    if hhi < Decimal("0.15"):
        return "spread out"
    if hhi <= Decimal("0.25"):
        return "moderately concentrated"
    return "highly concentrated"


def flag_text(flag: Flag) -> str:
    """A balance warning in words: "72% of investment is in Growth"."""
    if isinstance(flag, Concentrated):
        share = format_percent_above(flag.share, flag.limit)
        return f"{share} of investment is in {flag.category}"
    if isinstance(flag, Troubled):
        share = format_percent_above(flag.share, flag.limit)
        return f"{share} of investment is at risk or off track"
    if isinstance(flag, NoPipeline):
        return f"No pipeline: nothing in {' or '.join(flag.stages)}"
    if isinstance(flag, NoInvestment):
        return "No investment recorded yet: shares and concentration cannot be judged"
    return "The portfolio is empty: add products to see its balance"


def balance_message(view: BalanceView) -> Message:
    """The balance report: one line per group, the concentration, and the flags."""
    report = view.report
    title = f"Balance by {report.by} · {view.portfolio}"
    flags = render(
        "planning/balance_flags.mrkdwn.j2",
        flags=[flag_text(flag) for flag in report.flags],
        limit=format_percent(CONCENTRATION_LIMIT),
    )
    if not report.groups:
        return build(fallback=escape(title), title=title, body=[flags])
    lines = [
        render("planning/balance_line.mrkdwn.j2", group=group, currency=view.currency)
        for group in report.groups
    ]
    fallback = f"{title}: " + "; ".join(
        f"{g.name} {format_percent(g.investment_share)}" for g in report.groups[:10]
    )
    return build(
        fallback=escape(fallback),
        title=title,
        body=[
            render(
                "planning/balance_intro.mrkdwn.j2",
                view=view,
                concentration=concentration_words(report.hhi),
            )
        ],
        lines=lines,
        more="more groups",
        after=[flags],
        footer="`/portfolio balance by category` · `by stage` · `by health`",
    )
