"""/roadmap show, add, update and rank: a product's items, what changed, RICE and WSJF order."""

from __future__ import annotations

from decimal import Decimal

from domain.commands import roadmap as parse
from domain.errors import InvalidInput, NotFound
from domain.grammar import did_you_mean, parse_item_ref, parse_key
from domain.services.roadmap import RoadmapRanking
from domain.views import FieldValue, ItemChange, ItemDetail, RoadmapView
from domain.vocabulary import CLOSED_STATUSES, ITEM_FIELD_LABELS, STATUS_SYNONYMS, STATUSES
from handlers.blocks import Message, build
from handlers.commands import HELP, CommandSet, Reply, Request
from handlers.formats import format_count, format_percent
from handlers.help import synonym_words
from handlers.outlooks import with_outlooks
from handlers.render import escape, render
from handlers.replies import text_message

SHOW_USAGE = "/roadmap CHK"
INPUT_EXAMPLES = {
    "rice": "reach 2000 | impact 2 | confidence 80% | effort 3",
    "wsjf": "value 8 | criticality 5 | risk 3 | size 5",
}


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/roadmap show (also `/roadmap CHK`), add, update and rank."""
    roadmap.add("show", SHOW_USAGE, show_roadmap, default=True, examples=("/roadmap CHK",))
    roadmap.add(
        "add",
        parse.ROADMAP_ADD_USAGE,
        add_item,
        examples=(
            "/roadmap add CHK Checkout v2 | target 2027-Q1 | why faster payments",
            "/roadmap add CHK Saved carts | target 2027-06-30 | objective GROW",
        ),
    )
    roadmap.add(
        "update",
        parse.ROADMAP_UPDATE_USAGE,
        update_item,
        examples=(
            "/roadmap update CHK-3 testing 80% | note waiting on vendor",
            "/roadmap update CHK-3 | blocker legal review",
            "/roadmap update CHK-3 | reach 2000 | impact 2 | confidence 80% | effort 3",
        ),
        words=(
            ("statuses", STATUSES),
            ("also understood", synonym_words(STATUS_SYNONYMS)),
            ("fields", parse.ITEM_FIELDS),
        ),
    )
    roadmap.add(
        "rank",
        parse.ITEM_RANK_USAGE,
        rank_items,
        examples=("/roadmap rank CHK rice", "/roadmap rank CHK wsjf"),
        words=(("methods", parse.METHODS),),
    )


def show_roadmap(req: Request) -> Reply:
    """A product's roadmap (`/roadmap CHK`), or one item in full (`/roadmap CHK-3`).

    An item's view has its why, target, blocker, RICE and WSJF inputs and scores, and the
    updates about it, newest first.
    """
    words = req.cmd.head.split()
    if len(words) != 1 or req.cmd.fields:
        hint = did_you_mean(words[0].lower(), list(req.commands.verbs)) if words else None
        suggestion = f" Did you mean `/roadmap {hint}`?" if hint else ""
        raise InvalidInput(f"Name one product or item, e.g. `/roadmap CHK`.{suggestion}")
    word = words[0]
    if "-" in word:
        key, number = parse_item_ref(word)
        detail = item_detail(req.services.roadmap.item(req.actor, key, number))
        return Reply(
            with_outlooks(detail, req.services.forecasts.item_outlook(req.actor, key, number))
        )
    try:
        view = req.services.roadmap.roadmap(req.actor, parse_key(word))
    except NotFound as missing:
        hint = did_you_mean(word.lower(), list(req.commands.verbs)) if word.islower() else None
        if hint is None:
            raise
        raise NotFound(f"{missing.message} Or did you mean `/roadmap {hint}`?") from missing
    return Reply(
        with_outlooks(
            roadmap_message(view), req.services.forecasts.product_outlooks(req.actor, view.key)
        )
    )


def add_item(req: Request) -> Reply:
    """Add an item to a product's roadmap."""
    key, fields = parse.parse_roadmap_add(req.cmd)
    if (fields.title or "").lower() == HELP:
        req.commands.refuse_reserved(fields.title, "an item's title")
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


def item_detail(detail: ItemDetail) -> Message:
    """One roadmap item in full: what, why, state, scoring inputs and its updates."""
    item = detail.item
    title = f"{item.ref} · {item.title}"
    scores = [
        (
            method.upper(),
            f"{score.value:,.2f}" if score.value is not None else None,
            ", ".join(score.missing),
            ", ".join(
                f"{name} {format_percent(value) if pct else format_count(value)}"
                for name, value, pct in inputs
            ),
        )
        for method, score, inputs in (
            ("rice", detail.rice, detail.rice_inputs),
            ("wsjf", detail.wsjf, detail.wsjf_inputs),
        )
    ]
    body = render("roadmap/item_detail.mrkdwn.j2", detail=detail, scores=scores)
    lines = [render("roadmap/item_update.mrkdwn.j2", u=u) for u in detail.updates]
    more = detail.update_count - len(detail.updates)
    footer = (
        f"`/roadmap {escape(detail.product_key)}` for the whole roadmap · update it with "
        f"`{escape(item.ref)}: testing 80%` in chat"
        + (f" · {more:,} older update{'s' if more != 1 else ''} not shown" if more > 0 else "")
    )
    return build(
        fallback=escape(f"{item.ref} {item.title}: {item.status}"),
        title=title,
        body=[body],
        lines=lines,
        more="more updates",
        footer=footer,
    )


def roadmap_message(view: RoadmapView) -> Message:
    """A product's roadmap, one line per item."""
    title = f"Roadmap · {view.key} {view.name}"
    # The example names an open item: `testing 60%` on a done one would reopen it.
    open_item = next((i for i in view.items if i.status not in CLOSED_STATUSES), None)
    ref = escape(open_item.ref if open_item else f"{view.key}-1")
    lines = [render("roadmap/item_due.mrkdwn.j2", item=i, today=view.today) for i in view.items]
    return build(
        fallback=escape(title),
        title=title,
        body=[render("roadmap/roadmap.mrkdwn.j2", view=view)],
        lines=lines,
        more="more items",
        footer=f"Update in chat: `{ref}: testing 60%` · or `/roadmap update {ref} testing 60%`"
        f" · `/roadmap {ref}` for one item in full",
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
    """What /roadmap add or update did (and that it reopened a done or dropped item)."""
    lines = tuple(
        (
            ITEM_FIELD_LABELS.get(c.field, c.field),
            item_value_words(c.field, c.before),
            "cleared"
            if c.field == "blocker" and c.after is None
            else item_value_words(c.field, c.after),
        )
        for c in change.changed
    )
    reopened = next(
        (
            c.before
            for c in change.changed
            if c.field == "status"
            and c.before in CLOSED_STATUSES
            and c.after not in CLOSED_STATUSES
        ),
        None,
    )
    return text_message(
        render("roadmap/item_change.mrkdwn.j2", change=change, lines=lines, reopened=reopened)
    )


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
