"""/portfolio allocate: the budget's best selection, its advice, and why none can be made.

The solver (domain.allocation) returns values and typed reasons; this module words them,
writing every amount with the one short money formatter.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain.allocation import (
    Advice,
    AllocationRefused,
    BudgetShort,
    DuplicateRule,
    KeptOverBudget,
    KeptOverMaximum,
    KeptTogetherInfeasible,
    LoosenSeveral,
    MinimumAboveMaximum,
    MinimumOutOfReach,
    MinimumsOverBudget,
    MinimumsOverWhole,
    RaiseBudget,
    Reason,
    RuleExceeded,
    RuleUnreachable,
    ShareOutOfRange,
    ShareRule,
    TimedOut,
    UnknownCategory,
)
from domain.commands.planning import parse_allocate
from domain.errors import InvalidInput
from domain.services.planning import AllocationLine, AllocationView
from handlers.blocks import Message, build
from handlers.commands import Reply, Request
from handlers.formats import (
    format_count,
    format_money,
    format_money_short,
    format_percent_exact,
)
from handlers.render import escape, render

UNFUNDED_SHOWN = 60
NO_SELECTION = "No selection meets the budget and all the rules."
# Reasons found without solving stand alone; the others follow NO_SELECTION.
_STANDALONE = (
    ShareOutOfRange,
    UnknownCategory,
    DuplicateRule,
    MinimumAboveMaximum,
    MinimumsOverWhole,
    KeptOverBudget,
    KeptOverMaximum,
    MinimumOutOfReach,
    MinimumsOverBudget,
    LoosenSeveral,
    TimedOut,
)


def allocate_budget(req: Request) -> Reply:
    """Fund the products worth most within a budget, with category shares, keeps and drops."""
    request = parse_allocate(req.cmd)
    try:
        view = req.services.planning.allocate(req.actor, req.channel_id, request)
    except AllocationRefused as refused:
        raise InvalidInput(refusal_text(refused.reasons, refused.currency or "")) from None
    return Reply(allocation_message(view))


def rule_text(rule: ShareRule) -> str:
    """A share rule the way a person wrote it, as code: `min Growth 30%`."""
    return f"`{rule.kind} {rule.category} {format_percent_exact(rule.share)}`"


def _keys(keys: Sequence[str]) -> str:
    return ", ".join(keys)


def advice_text(advice: Advice, currency: str, *, value: str) -> str:
    """What would fund the best unfunded product; `value` is the lost value already written."""
    options: list[str] = []
    raises = [
        f"raise the budget by {format_money_short(r.amount, currency)}"
        if isinstance(r, RaiseBudget)
        else f"allow {format_money_short(r.amount, currency)} more under {rule_text(r.rule)}"
        for r in advice.raises
    ]
    if raises:
        options.append(" and ".join(raises))
    if advice.drop is not None:
        options.append(f"drop {_keys(advice.drop.keys)} (value {value})")
    if not options:
        return f"{advice.key} cannot be funded with these rules; loosen a `min` rule to make room"
    return ", or ".join(options)


def refusal_text(reasons: Sequence[Reason], currency: str) -> str:
    """Why no allocation can be made as asked: each reason, with the amounts at fault."""
    words = " ".join(reason_text(reason, currency) for reason in reasons)
    if reasons and not isinstance(reasons[0], _STANDALONE):
        return f"{NO_SELECTION} {words}"
    return words


def reason_text(reason: Reason, currency: str) -> str:
    """One reason in words."""

    def money(amount: Decimal) -> str:
        return format_money_short(amount, currency)

    if isinstance(reason, ShareOutOfRange):
        return (
            f"{rule_text(reason.rule)}: a share must be between 0 % and 100 % of the budget. "
            "Example: `min Growth 30%`."
        )
    if isinstance(reason, UnknownCategory):
        return (
            f"{rule_text(reason.rule)}: no product is in category {reason.rule.category}. "
            f"Categories: {_keys(reason.categories) or 'none'}."
        )
    if isinstance(reason, DuplicateRule):
        return f"{rule_text(reason.first)} and {rule_text(reason.second)} are both given; keep one."
    if isinstance(reason, MinimumAboveMaximum):
        return (
            f"{rule_text(reason.minimum)} asks for more than {rule_text(reason.maximum)} "
            "allows; make the minimum at most the maximum."
        )
    if isinstance(reason, MinimumsOverWhole):
        return (
            f"The `min` rules add up to {format_percent_exact(reason.total)} of the budget, "
            "more than 100%; lower them."
        )
    if isinstance(reason, KeptOverBudget):
        return (
            f"`keep` {_keys(reason.keys)} cost {money(reason.cost)}, more than the "
            f"{money(reason.budget)} budget ({money(reason.over)} over)."
        )
    if isinstance(reason, KeptOverMaximum):
        return (
            f"{rule_text(reason.rule)} allows {money(reason.allowed)} of {reason.rule.category} "
            f"products, but the kept ones ({_keys(reason.keys)}) cost {money(reason.cost)} "
            f"({money(reason.over)} over)."
        )
    if isinstance(reason, MinimumOutOfReach):
        category = reason.rule.category
        note = (
            f" Left out: {_keys(reason.left_out)} "
            "(dropped, or with no positive value and not kept)."
            if reason.left_out
            else ""
        )
        return (
            f"{rule_text(reason.rule)} needs {money(reason.needed)} of {category} products, "
            f"but all {category} products together cost {money(reason.available)} "
            f"({money(reason.short)} short).{note}"
        )
    if isinstance(reason, MinimumsOverBudget):
        return (
            f"The minimums ({', '.join(rule_text(r) for r in reason.rules)}) and the kept "
            f"products need at least {money(reason.needed)}, more than the "
            f"{money(reason.budget)} budget ({money(reason.over)} over)."
        )
    if isinstance(reason, BudgetShort):
        return (
            f"Meeting the rules costs at least {money(reason.needed)}, more than the "
            f"{money(reason.budget)} budget ({money(reason.over)} over)."
        )
    if isinstance(reason, RuleUnreachable):
        return (
            f"{rule_text(reason.rule)} needs {money(reason.needed)} of {reason.rule.category} "
            f"products, but within the budget and the other rules at most "
            f"{money(reason.reachable)} of them can be funded ({money(reason.short)} short)."
        )
    if isinstance(reason, RuleExceeded):
        return (
            f"{rule_text(reason.rule)} allows {money(reason.allowed)} of {reason.rule.category} "
            f"products, but the budget and the other rules need at least "
            f"{money(reason.needed)} of them ({money(reason.over)} over)."
        )
    if isinstance(reason, KeptTogetherInfeasible):
        return (
            f"`keep` {_keys(reason.keys)} cannot all be funded together with the budget and "
            "the rules; keep fewer of them."
        )
    if isinstance(reason, LoosenSeveral):
        loosen = ", ".join(["the budget", *(rule_text(r) for r in reason.rules)])
        return (
            "No selection meets the budget and all the rules, and loosening any single one is "
            f"not enough: loosen several of {loosen}" + (", `keep`" if reason.keep else "") + "."
        )
    return (
        f"No allocation was found within {reason.seconds:g} s. Try with fewer products "
        "(for example one category at a time) or fewer rules."
    )


def allocation_message(view: AllocationView) -> Message:
    """Funded and unfunded products, money used and left, and what would fund the next one."""
    label = "value" if view.by == "value" else "score"

    def shown(amount: Decimal) -> str:
        if view.by == "value":
            return format_money_short(amount, view.currency)
        return f"{amount:.2f}"

    def line(mark: str, item: AllocationLine) -> str:
        return render(
            "planning/allocation_line.mrkdwn.j2",
            mark=mark,
            line=item,
            currency=view.currency,
            value_label=label,
            value=shown(item.value),
        )

    lines = [line(":white_check_mark:", item) for item in view.funded]
    if view.unfunded:
        lines.append("*Not funded*")
        lines += [line(":white_circle:", item) for item in view.unfunded[:UNFUNDED_SHOWN]]
        if len(view.unfunded) > UNFUNDED_SHOWN:
            hidden = len(view.unfunded) - UNFUNDED_SHOWN
            lines.append(f"_… and {format_count(hidden)} more not funded_")
    total = (
        format_money(view.total_value, view.currency)
        if view.by == "value"
        else f"{view.total_value:.2f}"
    )
    bound = "" if view.bound is None else shown(view.bound)
    title = f"Allocation · {view.portfolio}"
    fallback = (
        f"Allocation of {view.portfolio}: {len(view.funded):,} funded, "
        f"{format_money(view.used, view.currency)} used of "
        f"{format_money(view.budget, view.currency)}, total {label} {total}"
    )
    to_fund = view.to_fund_best
    advice = render(
        "planning/allocation_advice.mrkdwn.j2",
        view=view,
        value_label=label,
        best_value=shown(view.best_unfunded.value) if view.best_unfunded else "",
        to_fund=""
        if to_fund is None
        else advice_text(
            to_fund,
            view.currency,
            value=shown(to_fund.drop.value) if to_fund.drop is not None else "",
        ),
    )
    rules = [rule_text(rule) for rule in view.rules]
    return build(
        fallback=escape(fallback),
        title=title,
        body=[render("planning/allocation_intro.mrkdwn.j2", view=view, rules=rules, total=total)],
        lines=lines,
        more="more products",
        after=[advice],
        footer=render("planning/allocation_footer.mrkdwn.j2", view=view, bound=bound),
    )
