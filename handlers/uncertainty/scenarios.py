"""/portfolio whatif and scenario: allocations under changes beside today's, and saved ones."""

from __future__ import annotations

from decimal import Decimal

from domain.commands.uncertainty import WhatIf, parse_scenario, parse_whatif
from domain.services.scenarios import (
    AppliedView,
    ChangeLine,
    ComparisonView,
    ScenarioMeta,
    WhatIfView,
)
from domain.views import FieldChange
from handlers.blocks import Message, build
from handlers.commands import Reply, Request
from handlers.formats import format_money_short, format_percent_exact
from handlers.outlooks import day
from handlers.planning.allocation import rule_text
from handlers.render import Mrkdwn, escape, render
from handlers.replies import text_message
from handlers.uncertainty.words import binding_text, keys_with_names, money, side_field

SCENARIOS_SHOWN = 40
MONEY_FIELDS = ("investment", "return", "expected return")


def run_whatif(req: Request) -> Reply:
    """The allocation if the budget, rules or products changed, beside today's; nothing changes."""
    view = req.services.scenarios.whatif(req.actor, req.channel_id, parse_whatif(req.cmd))
    return Reply(whatif_message(view))


def run_scenario(req: Request) -> Reply:
    """Save, list, show, compare, apply or drop named what-ifs (apply changes the products)."""
    request = parse_scenario(req.cmd)
    scenarios = req.services.scenarios
    if request.action == "list":
        portfolio, rows = scenarios.scenarios(req.actor, req.channel_id)
        return Reply(scenario_list(portfolio, rows))
    name = request.names[0]
    if request.action == "save":
        assert request.whatif is not None
        view = scenarios.save(req.actor, req.channel_id, name, request.whatif, request.text)
        return Reply(whatif_message(view), in_channel=True)
    if request.action == "show":
        return Reply(whatif_message(scenarios.show(req.actor, req.channel_id, name)))
    if request.action == "compare":
        return Reply(comparison(scenarios.compare(req.actor, req.channel_id, request.names)))
    if request.action == "apply":
        return Reply(applied(scenarios.apply(req.actor, req.channel_id, name)), in_channel=True)
    return Reply(dropped(scenarios.drop(req.actor, req.channel_id, name)), in_channel=True)


def whatif_terms(whatif: WhatIf, changes: tuple[ChangeLine, ...], currency: str) -> list[str]:
    """The what-if's terms in words: budget, rules, keeps, drops, each change before → after."""
    terms: list[str] = []
    terms += [rule_text(rule) for rule in whatif.rules]
    if whatif.keep:
        terms.append("keep " + ", ".join(whatif.keep))
    if whatif.drop:
        terms.append("drop " + ", ".join(whatif.drop))
    for line in changes:
        terms.append(
            f"*{line.key}* {line.field} {_value(line.field, line.before, currency)} → "
            f"*{_value(line.field, line.after, currency)}*"
        )
    return terms


def _signed(amount: Decimal, currency: str) -> str:
    """`+$75k`, `−$120k`."""
    return ("+" if amount > 0 else "−") + money(abs(amount), currency)


def _budget_change(whatif: WhatIf) -> str:
    """`15% less`, `10% more`, or "" for an absolute or unchanged budget."""
    change = whatif.budget_change
    if change is None or change == 0:
        return ""
    return f"{format_percent_exact(abs(change))} {'more' if change > 0 else 'less'}"


def _value(field: str, value: Decimal | str | None, currency: str) -> str:
    if isinstance(value, Decimal):
        if field in MONEY_FIELDS:
            return money(value, currency)
        return format_percent_exact(value)
    return escape(value if value is not None else "none")


def whatif_message(view: WhatIfView) -> Message:
    """Today's allocation and the what-if's side by side, what moved, and what binds."""
    meta = view.meta
    title = f"{'Scenario ' + meta.name if meta else 'What if'} · {view.portfolio}"
    currency = view.currency
    terms = whatif_terms(view.whatif, view.changes, currency)
    mine = view.scenario
    body = [
        render(
            "uncertainty/whatif_intro.mrkdwn.j2",
            meta=meta,
            replaced=view.replaced,
            terms=Mrkdwn(" · ".join(terms)),
            budget=money(mine.budget, currency),
            today_budget=money(view.today.budget, currency),
            change=_budget_change(view.whatif),
        )
    ]
    fields = [
        side_field(view.today, currency, heading="Today"),
        side_field(mine, currency, heading=meta.name if meta else "What-if"),
    ]
    after = []
    if mine.plan is not None and view.today.plan is not None:
        after.append(
            render(
                "uncertainty/whatif_moves.mrkdwn.j2",
                added=Mrkdwn(keys_with_names(view.added, view.names)),
                removed=Mrkdwn(keys_with_names(view.removed, view.names)),
                gain=_signed(
                    mine.plan.allocation.total_value - view.today.plan.allocation.total_value,
                    currency,
                ),
                gain_is_zero=mine.plan.allocation.total_value
                == view.today.plan.allocation.total_value,
                binds=Mrkdwn(" · ".join(binding_text(b, currency) for b in mine.plan.binding)),
                left=money(mine.plan.allocation.left, currency),
                everything=mine.plan.allocation.best_unfunded is None,
            )
        )
    fallback = f"{title}: " + (
        f"expected value {money(mine.plan.allocation.total_value, currency)} vs "
        f"{money(view.today.plan.allocation.total_value, currency)} today"
        if mine.plan is not None and view.today.plan is not None
        else "no allocation can be made as asked"
    )
    return build(
        fallback=escape(fallback),
        title=title,
        body=body,
        fields=fields,
        after=after,
        footer=render("uncertainty/whatif_footer.mrkdwn.j2", saved=meta is not None),
    )


def scenario_list(portfolio: str, rows: tuple[ScenarioMeta, ...]) -> Message:
    """The saved scenarios, one line each."""
    title = f"Scenarios · {portfolio}"
    if not rows:
        return build(
            fallback=escape(title),
            title=title,
            body=[
                "No scenarios saved yet. Save one with "
                "`/portfolio scenario save lean 1.7m | drop CHK | set MOB confidence 40%`."
            ],
        )
    lines = [
        render("uncertainty/scenario_line.mrkdwn.j2", row=row, when=day(row.created_at.date()))
        for row in rows
    ]
    return build(
        fallback=escape(f"{len(rows)} scenarios: " + ", ".join(r.name for r in rows[:20])),
        title=title,
        lines=lines,
        more="more scenarios",
        footer="`/portfolio scenario show NAME` · `compare NAME [NAME]` · `apply NAME` · "
        "`drop NAME`",
    )


def comparison(view: ComparisonView) -> Message:
    """The live portfolio and one or two scenarios side by side."""
    names = " vs ".join(m.name for m in view.scenarios)
    title = f"Compare {names} · {view.portfolio}"
    live = view.sides[0]
    fields = [side_field(live, view.currency, heading="Live (today)")]
    for side in view.sides[1:]:
        field = side_field(side, view.currency, heading=side.label)
        if side.plan is not None and live.plan is not None:
            added = sorted(set(side.plan.funded) - set(live.plan.funded))
            removed = sorted(set(live.plan.funded) - set(side.plan.funded))
            moves = [f"+{k}" for k in added] + [f"−{k}" for k in removed]
            field += "\nvs live: " + (" ".join(moves[:12]) if moves else "the same products")
        fields.append(field)
    terms = [
        render("uncertainty/scenario_line.mrkdwn.j2", row=m, when=day(m.created_at.date()))
        for m in view.scenarios
    ]
    return build(
        fallback=escape(title),
        title=title,
        body=["\n".join(terms)],
        fields=fields,
        footer="Nothing live changes · downside (P10): in 1 of 10 outcomes the funded products "
        "are worth less · `/portfolio scenario apply NAME` makes a scenario's product changes live",
    )


def applied(view: AppliedView) -> Message:
    """What applying a scenario changed, product by product."""
    lines = []
    for change in view.changes:
        card = change.card
        if not change.changed:
            lines.append(f"*{card.key}* {escape(card.name)}: already as the scenario has it")
            continue
        parts = [_field_change(c, card.currency) for c in change.changed]
        lines.append(f"*{card.key}* {escape(card.name)}: " + " · ".join(parts))
    budget = _allocate_hint(view)
    text = render(
        "uncertainty/applied.mrkdwn.j2",
        scenario=view.name,
        lines=Mrkdwn("\n".join(lines)),
        hint=budget,
    )
    return build(fallback=escape(f"Applied scenario {view.name}"), body=[text])


def _field_change(change: FieldChange, currency: str) -> str:
    before = None if isinstance(change.before, tuple) else change.before
    after = None if isinstance(change.after, tuple) else change.after
    shown_before = _value(change.field, before, currency)
    shown_after = _value(change.field, after, currency)
    return f"{escape(change.field)} {shown_before} → *{shown_after}*"


def _allocate_hint(view: AppliedView) -> str:
    """The allocate command with the scenario's budget and rules."""
    whatif = view.whatif
    fields = [f"{r.kind} {r.category} {format_percent_exact(r.share)}" for r in whatif.rules]
    fields += ["keep " + " ".join(whatif.keep)] if whatif.keep else []
    fields += ["drop " + " ".join(whatif.drop)] if whatif.drop else []
    if whatif.budget is None and whatif.budget_change is None and not fields:
        return ""
    budget = format_money_short(view.budget, "")
    return f"/portfolio allocate {budget}" + "".join(f" | {f}" for f in fields)


def dropped(meta: ScenarioMeta) -> Message:
    """A scenario was deleted."""
    return text_message(
        render("uncertainty/dropped.mrkdwn.j2", meta=meta, when=day(meta.created_at.date()))
    )
