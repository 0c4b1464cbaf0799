"""/roadmap show, add, update and rank: a product's items, what changed, RICE and WSJF order."""

from __future__ import annotations

from decimal import Decimal

from domain.commands import roadmap as parse
from domain.errors import InvalidInput
from domain.grammar import did_you_mean, parse_item_ref, parse_key
from domain.services.roadmap import RoadmapRanking
from domain.views import FieldValue, ItemChange, RoadmapView
from handlers.blocks import Message, build
from handlers.commands import CommandSet, Reply, Request
from handlers.formats import format_count, format_percent
from handlers.render import escape, render
from handlers.replies import text_message

SHOW_USAGE = "/roadmap CHK"
INPUT_EXAMPLES = {
    "rice": "reach 2000 | impact 2 | confidence 80% | effort 3",
    "wsjf": "value 8 | criticality 5 | risk 3 | size 5",
}


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/roadmap show (also `/roadmap CHK`), add, update and rank."""
    roadmap.add("show", SHOW_USAGE, show_roadmap, default=True)
    roadmap.add("add", parse.ROADMAP_ADD_USAGE, add_item)
    roadmap.add("update", parse.ROADMAP_UPDATE_USAGE, update_item)
    roadmap.add("rank", parse.ITEM_RANK_USAGE, rank_items)


def show_roadmap(req: Request) -> Reply:
    """A product's roadmap: items with status, progress, target and blockers."""
    words = req.cmd.head.split()
    if len(words) != 1 or req.cmd.fields:
        hint = did_you_mean(words[0].lower(), list(req.commands.verbs)) if words else None
        suggestion = f" Did you mean `/roadmap {hint}`?" if hint else ""
        raise InvalidInput(f"Name one product, e.g. `/roadmap CHK`.{suggestion}")
    word = words[0]
    key = parse_item_ref(word)[0] if "-" in word else parse_key(word)  # /roadmap CHK-3 too
    return Reply(roadmap_message(req.services.roadmap.roadmap(req.actor, key)))


def add_item(req: Request) -> Reply:
    """Add an item to a product's roadmap."""
    key, fields = parse.parse_roadmap_add(req.cmd)
    return Reply(item_change(req.services.roadmap.add(req.actor, key, fields)), in_channel=True)


def update_item(req: Request) -> Reply:
    """Update an item's status, progress, note, blocker, target, or RICE/WSJF inputs."""
    key, number, fields = parse.parse_roadmap_update(req.cmd)
    change = req.services.roadmap.update(req.actor, key, number, fields)
    return Reply(item_change(change), in_channel=True)


def rank_items(req: Request) -> Reply:
    """Rank a product's open items by RICE or WSJF; items missing inputs are named."""
    request = parse.parse_item_rank(req.cmd)
    ranking = req.services.roadmap.rank(req.actor, request.key, request.method)
    return Reply(item_ranking(ranking))


def roadmap_message(view: RoadmapView) -> Message:
    """A product's roadmap, one line per item."""
    title = f"Roadmap · {view.key} {view.name}"
    lines = [render("roadmap/item_due.mrkdwn.j2", item=i, today=view.today) for i in view.items]
    return build(
        fallback=escape(title),
        title=title,
        body=[render("roadmap/roadmap.mrkdwn.j2", view=view)],
        lines=lines,
        more="more items",
        footer=f"Update in chat: `{escape(view.key)}-1: testing 60%` · or "
        f"`/roadmap update {escape(view.key)}-1 testing 60%`",
    )


def item_value_words(field: str, value: FieldValue) -> str:
    """One side of an item change, worded: `80%` progress, `2,000` reach, `none`."""
    if value is None:
        return "none"
    if field == "progress" and isinstance(value, Decimal):
        return f"{value:f}%"
    if field == "confidence" and isinstance(value, Decimal):
        return format_percent(value)
    if isinstance(value, Decimal):
        return format_count(value)
    return str(value)


def item_change(change: ItemChange) -> Message:
    """What /roadmap add or update did."""
    lines = tuple(
        (c.field, item_value_words(c.field, c.before), item_value_words(c.field, c.after))
        for c in change.changed
    )
    return text_message(render("roadmap/item_change.mrkdwn.j2", change=change, lines=lines))


def item_ranking(ranking: RoadmapRanking) -> Message:
    """The items in score order, then the unscored ones with what they miss."""
    label = ranking.method.upper()
    title = f"{label} ranking · {ranking.key} {ranking.name}"
    footer = render(
        "roadmap/item_rank_footer.mrkdwn.j2",
        ranking=ranking,
        example=INPUT_EXAMPLES[ranking.method],
    )
    if not ranking.rows:
        body = (
            f"{ranking.key} has no open roadmap items. Add one with "
            f"`/roadmap add {ranking.key} Checkout v2 | target 2027-Q1`."
        )
        return build(fallback=escape(title), title=title, body=[body], footer=footer)
    lines = [
        render(
            "roadmap/item_rank_line.mrkdwn.j2",
            row=row,
            value=f"{row.value:,.2f}" if row.value is not None else "",
        )
        for row in ranking.rows
    ]
    scored = len(ranking.rows) - ranking.unscored
    intro = f"{scored} of {len(ranking.rows)} open items scored by {label}."
    if ranking.unscored:
        intro += (
            f" {ranking.unscored} miss an input and are listed last: a missing input is not "
            "taken as zero."
        )
    first = ranking.rows[0]
    fallback = f"{title}: " + (
        f"1. {first.ref} ({first.value})" if first.value is not None else "no item scored yet"
    )
    return build(
        fallback=escape(fallback),
        title=title,
        body=[intro],
        lines=lines,
        more="more items",
        footer=footer,
    )
