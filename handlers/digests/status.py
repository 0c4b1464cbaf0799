"""The status digest as a message: groups in order of importance, each cut to fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.digest import DUE_WINDOW_DAYS, STALE_AFTER, StatusDigest
from handlers.blocks import MAX_BLOCKS, SECTION_BUDGET, Message, context, header, plain, section
from handlers.buttons import list_actions, status_products
from handlers.digests.ranking import CADENCE_WORDS, since_words
from handlers.formats import format_count
from handlers.render import escape, render

GROUP_LINES = 12  # lines per status group before "… and N more"
STATUS_GROUPS = (
    ("attention", ":rotating_light: Needs attention", "attention"),
    ("health", "Health changes", "health_changes"),
    ("blocker", "New blockers", "new_blockers"),
    ("overdue", "Overdue", "overdue"),
    ("slip", "Likely to slip at their current pace", "slipping"),
    ("done", "Done", "done"),
    ("status", "Status changes", "status_changes"),
    ("cleared", "Blockers cleared", "cleared_blockers"),
    ("metric", "Metric moves", "metric_moves"),
    ("due", f"Due in the next {DUE_WINDOW_DAYS} days", "due_soon"),
    ("stale", f"No update for {STALE_AFTER.days} days", "stale"),
)


def status_message(
    d: StatusDigest,
    *,
    cadence: str,
    tz: str,
    max_blocks: int = MAX_BLOCKS,
) -> Message:
    """The status digest: groups ordered by importance, each cut to fit with "… and N more"."""
    title = f"{CADENCE_WORDS.get(cadence, '')} status digest · {d.portfolio}".strip()
    title = title[:1].upper() + title[1:]  # "Status digest" when there is no cadence
    since = since_words(d.since_subscribed)
    blocks: list[dict[str, Any]] = [
        header(title),
        context(render("digest/status_intro.mrkdwn.j2", d=d, tz=tz, since_label=since)),
    ]
    menus = list_actions(status_products(d), block_id="msg_digest_status", suffix="STATUS")
    for kind, heading, attribute in STATUS_GROUPS:
        entries = getattr(d, attribute)
        if not entries or len(blocks) >= max_blocks - 1 - (menus is not None):
            continue
        blocks.append(section(_group(kind, heading, entries, d)))
    if d.quiet:
        blocks.append(
            section(
                ":sparkles: All quiet: no changes, nothing at risk, "
                f"nothing due within {DUE_WINDOW_DAYS} days."
            )
        )
    if menus is not None:
        blocks.append(menus)
    blocks.append(context("Post updates in chat, e.g. `CHK-3: testing 80%` · `/roadmap CHK`"))
    fallback = f"{title}: " + (", ".join(_summary(d)) or "all quiet")
    return Message(text=plain(escape(fallback), 3000), blocks=blocks[:max_blocks])


def _summary(d: StatusDigest) -> list[str]:
    """The notification text's counts: "2 at risk or off track, 1 overdue"."""
    parts = []
    for label, items in (
        ("at risk or off track", d.attention),
        ("new blockers", d.new_blockers),
        ("overdue", d.overdue),
        ("done", d.done),
        ("due soon", d.due_soon),
        ("without updates", d.stale),
    ):
        if items:
            parts.append(f"{len(items)} {label}")
    return parts


def _group(kind: str, heading: str, entries: Sequence[Any], d: StatusDigest) -> str:
    """One section: a bold heading and as many lines as fit, then "… and N more"."""
    text = f"*{heading}*"
    for index, entry in enumerate(entries):
        line = render(
            "digest/status_line.mrkdwn.j2", kind=kind, x=entry, today=d.today, currency=d.currency
        )
        left = len(entries) - index
        if index >= GROUP_LINES or len(text) + len(line) + 40 > SECTION_BUDGET:
            return text + f"\n_… and {format_count(left)} more_"
        text += "\n" + line
    return text
