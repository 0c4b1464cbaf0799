"""The words the uncertainty answers share: plans side by side, what binds, how exact."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain.services.scenarios import Side
from domain.uncertainty.distribution import ValueForecast
from domain.uncertainty.plans import Binding, BudgetBinds
from handlers.formats import format_count, format_money_short, format_percent
from handlers.planning.allocation import refusal_text, rule_text
from handlers.render import Mrkdwn, escape, render

ASSUMPTION = (
    "Each product succeeds with its confidence and returns its expected return, or fails and "
    "returns nothing (its investment is still spent), independently of the others"
)


def money(amount: Decimal, currency: str) -> str:
    """The one short money form."""
    return format_money_short(amount, currency)


def keys_with_names(keys: Sequence[str], names: dict[str, str], limit: int = 12) -> str:
    """`CHK Checkout, PAY Payments … and 3 more` (escaped)."""
    shown = [f"*{k}* {escape(names.get(k, ''))}".strip() for k in keys[:limit]]
    more = f" … and {format_count(len(keys) - limit)} more" if len(keys) > limit else ""
    return ", ".join(shown) + more


def side_field(side: Side, currency: str, *, heading: str) -> str:
    """One allocation as a field: what it funds, its expected value, downside and shares."""
    if side.plan is None:
        return f"*{escape(heading)}* (budget {money(side.budget, currency)})\n" + escape(
            "No allocation: " + refusal_text(side.refused, currency)
        )
    allocation = side.plan.allocation
    total = len(allocation.funded) + len(allocation.unfunded)
    value = side.plan.value
    return render(
        "uncertainty/side.mrkdwn.j2",
        heading=heading,
        budget=money(side.budget, currency),
        funded=len(allocation.funded),
        total=total,
        used=money(allocation.used, currency),
        expected=money(allocation.total_value, currency),
        p10=money(value.p10, currency) if value else money(Decimal(0), currency),
        shares=Mrkdwn(
            " · ".join(
                f"{escape(name)} {format_percent(s)}" for name, s in side.plan.shares[:4] if s > 0
            )
        ),
    )


def binding_text(binding: Binding, currency: str) -> str:
    """What binds, in words."""
    if isinstance(binding, BudgetBinds):
        return (
            f"the budget ({money(binding.left, currency)} left; the best unfunded, "
            f"*{binding.key}*, costs {money(binding.cost, currency)})"
        )
    return f"{rule_text(binding.rule)} (without it: {money(binding.value, currency)} more value)"


def method_text(value: ValueForecast, currency: str) -> str:
    """How the distribution was computed, and how exact it is."""
    if value.method == "exact":
        return (
            f"Exact: every combination of successes, on a {money(value.resolution, currency)} grid"
        )
    if value.method == "bounded":
        return (
            f"Exact on a {money(value.resolution, currency)} grid; every value within "
            f"{money(value.error, currency)} of the truth"
        )
    error = (
        f", the chance ± {value.chance_error * 100:.1f} points" if value.chance is not None else ""
    )
    return (
        f"Simulated: {format_count(value.samples)} seeded draws; standard error of the "
        f"percentiles {money(value.standard_error, currency)}{error}"
    )
