"""Digest subcommands and what the scheduler sends: subscriptions, digests, pauses, reminders.

`/portfolio digest …` subscribes a channel, `/roadmap remind off` silences one's reminders.
The message builders turn the domain's digests into Block Kit within Slack's limits, and
`send_postings` delivers claimed postings with handlers.delivery and reports each outcome.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from domain.commands.digests import DIGEST_USAGE, REMIND_USAGE, parse_digest, parse_remind
from domain.digest import (
    DUE_WINDOW_DAYS,
    STALE_AFTER,
    InputChanged,
    InputsChanged,
    MeasureChanged,
    Movement,
    Mover,
    MoveReason,
    RankingDigest,
    StatusDigest,
)
from domain.services import Services
from domain.services.digests import ClaimedPosting, PauseNotice, ReminderDM, SubscriptionView
from domain.vocabulary import MEASURE_LABELS, WEEKDAYS
from handlers.blocks import (
    MAX_BLOCKS,
    SECTION_BUDGET,
    Message,
    build,
    context,
    divider,
    header,
    pack_lines,
    plain,
    section,
)
from handlers.commands import PORTFOLIO, ROADMAP, Reply, Request
from handlers.delivery import Outcome, Outgoing, deliver
from handlers.formats import format_count, format_money_short, format_percent
from handlers.messages import format_measure, text_message
from handlers.render import CHANNEL_ID, Mrkdwn, escape, render

log = logging.getLogger("folio.digests")

RANKING_ROWS = 25  # rows a ranking digest shows; `/portfolio rank` has the rest
GROUP_LINES = 12  # lines per status group before "… and N more"
CADENCE_WORDS = {"weekly": "Weekly", "daily": "Daily"}
KIND_WORDS = {"ranking": "ranking", "status": "status", "both": "ranking and status"}
STATUS_GROUPS = (
    ("attention", ":rotating_light: Needs attention", "attention"),
    ("health", "Health changes", "health_changes"),
    ("blocker", "New blockers", "new_blockers"),
    ("overdue", "Overdue", "overdue"),
    ("done", "Done", "done"),
    ("status", "Status changes", "status_changes"),
    ("cleared", "Blockers cleared", "cleared_blockers"),
    ("metric", "Metric moves", "metric_moves"),
    ("due", f"Due in the next {DUE_WINDOW_DAYS} days", "due_soon"),
    ("stale", f"No update for {STALE_AFTER.days} days", "stale"),
)
REFUSAL_REASONS = {
    "not_in_channel": ("I'm not a member of that channel", "invite me with `/invite @Folio`"),
    "channel_not_found": (
        "the channel is gone or private to me",
        "invite me to the channel (or subscribe another one)",
    ),
    "is_archived": ("the channel is archived", "unarchive it (or subscribe another channel)"),
}


# ---------------------------------------------------------------------------------------------
# Subcommands


@PORTFOLIO.sub("digest", DIGEST_USAGE)
def digest_command(req: Request) -> Reply:
    """Subscribe this channel to digests; also `daily 09:00`, `off`, `list`, `now`, `preview`."""
    request = parse_digest(req.cmd)
    if request.action == "off":
        views = req.services.digests.unsubscribe(req.actor, req.channel_id)
        return Reply(unsubscribed(req.channel_id, views), in_channel=True)
    if request.action == "list":
        return Reply(subscription_list(req.services.digests.subscriptions(req.actor)))
    if request.action == "preview":
        return Reply(preview(req.services.digests.preview(req.actor, req.channel_id), req))
    if request.action == "now":
        return post_now(req)
    return subscribe(req, request.schedule)


@ROADMAP.sub("remind", REMIND_USAGE)
def remind_command(req: Request) -> Reply:
    """Stop (`off`) or restart (`on`) the reminder DMs you get as a product owner."""
    request = parse_remind(req.cmd)
    changed = req.services.digests.set_reminders(req.actor, off=request.off)
    return Reply(reminders_answer(request.off, changed))


def subscribe(req: Request, schedule: str) -> Reply:
    """Subscribe (or reschedule) the channel; the zone defaults to the asker's Slack zone."""
    person = req.directory.person(req.client, req.actor.team_id, req.actor.user_id)
    view = req.services.digests.subscribe(req.actor, req.channel_id, schedule, person_tz=person.tz)
    return Reply(subscribed(view), in_channel=True)


def post_now(req: Request) -> Reply:
    """Post this channel's digests now (they count as its latest digest)."""
    postings = req.services.digests.post_now(req.actor, req.channel_id, runner=_now_runner(req))
    result = send_postings(req.client, req.services, postings, charts=False)
    failed = [o for o in result.outcomes if not o.ok]
    if not failed:
        kinds = " and ".join(p.kind for p in postings)
        return Reply(text_message(f":white_check_mark: Posted the {kinds} digest here."))
    error = failed[0].error or "unknown"
    reason, fix = REFUSAL_REASONS.get(error, ("Slack refused the post", "try again in a minute"))
    return Reply(
        text_message(
            f"I couldn't post the digest here ({reason}: `{escape(error)}`). To fix it, {fix}."
        )
    )


def _now_runner(req: Request) -> str:
    return f"now:{req.actor.team_id}:{req.actor.user_id}"


# ---------------------------------------------------------------------------------------------
# Messages


def channel_ref(channel_id: str) -> Mrkdwn:
    """A channel mention (trusted mrkdwn) for a valid channel id, else the escaped text."""
    if CHANNEL_ID.match(channel_id):
        return Mrkdwn(f"<#{channel_id}>")
    return Mrkdwn(escape(channel_id))


def _when_words(view: SubscriptionView) -> str:
    text = view.schedule.describe()
    return text.rsplit(", ", 1)[0]


def subscribed(view: SubscriptionView) -> Message:
    """The answer to a subscription: schedule, next posting in the channel's zone and in UTC."""
    text = render(
        "digest/subscribed.mrkdwn.j2",
        view=view,
        channel=channel_ref(view.channel_id),
        kinds=KIND_WORDS[view.schedule.kinds],
        when=_when_words(view),
    )
    return build(fallback=_fallback(text), body=[text])


def unsubscribed(channel_id: str, views: Sequence[SubscriptionView]) -> Message:
    """The answer to `digest off`."""
    text = render("digest/unsubscribed.mrkdwn.j2", channel=channel_ref(channel_id), views=views)
    return build(fallback=_fallback(text), body=[text])


def subscription_list(views: Sequence[SubscriptionView]) -> Message:
    """The workspace's digest subscriptions."""
    title = f"Digest subscriptions: {len(views)}"
    if not views:
        return build(
            fallback="No digest subscriptions yet.",
            title="Digest subscriptions",
            body=[
                "No channel gets digests yet. In a channel, a portfolio manager subscribes it "
                f"with `{escape(DIGEST_USAGE)}`."
            ],
        )
    lines = [
        render("digest/list_line.mrkdwn.j2", view=v, channel=channel_ref(v.channel_id))
        for v in views
    ]
    return build(
        fallback=escape(title),
        title=title,
        lines=lines,
        more="more subscriptions",
        footer="`/portfolio digest off` in a channel stops its digests",
    )


def reminders_answer(off: bool, changed: bool) -> Message:
    """The answer to `/roadmap remind off|on`."""
    if off:
        text = (
            "You won't get reminder DMs about your products any more. "
            "`/roadmap remind on` turns them back on."
            if changed
            else "Your reminders were already off. `/roadmap remind on` turns them back on."
        )
    else:
        text = (
            ":bell: You'll get a reminder the day before a digest when your product has no update."
            if changed
            else "Your reminders are already on."
        )
    return text_message(text)


def _fallback(mrkdwn: str) -> str:
    return plain(mrkdwn.replace("*", "").replace("\n\n", " "), 3000)


def movement_label(movement: Movement) -> str:
    """A line's movement: ▲2, ▼1, new, – (unchanged), or empty with no previous digest."""
    if movement.kind == "up":
        return f"▲{movement.places}"
    if movement.kind == "down":
        return f"▼{movement.places}"
    return {"new": "new", "same": "–"}.get(movement.kind, "")


def measure_label(measure: str) -> str:
    """A ranking measure in words: "risk-adjusted ROI"."""
    return MEASURE_LABELS.get(measure, measure)


def reason_text(reason: MoveReason, currency: str) -> str:
    """Why a product moved: "confidence 60% → 80%", "investment $120k → $150k"."""
    if isinstance(reason, MeasureChanged):
        return (
            f"ranking measure changed from {measure_label(reason.before)} "
            f"to {measure_label(reason.after)}"
        )
    if isinstance(reason, InputChanged):
        if reason.is_money:
            before = format_money_short(reason.before, currency)
            after = format_money_short(reason.after, currency)
        else:
            before, after = format_percent(reason.before), format_percent(reason.after)
        return f"{reason.name} {before} → {after}"
    if isinstance(reason, InputsChanged):
        return f"{reason.what} changed"
    others = "others fell or left" if reason.up else "others rose or joined"
    return f"its own inputs are unchanged; {others}"


def mover_reasons(mover: Mover, currency: str) -> list[str]:
    """A mover's reasons in words, in the order found."""
    return [reason_text(reason, currency) for reason in mover.reasons]


def ranking_message(
    d: RankingDigest,
    *,
    cadence: str,
    tz: str,
    max_blocks: int = MAX_BLOCKS,
) -> Message:
    """The ROI ranking digest: totals, biggest movers with their reasons, the ranking."""
    title = f"{CADENCE_WORDS.get(cadence, '')} ROI ranking · {d.portfolio}".strip()
    since = "when this channel subscribed" if d.since_subscribed else "the last digest"
    blocks: list[dict[str, Any]] = [
        header(title),
        context(
            render(
                "digest/ranking_intro.mrkdwn.j2",
                d=d,
                tz=tz,
                since_label=since,
                measure=measure_label(d.measure),
            )
        ),
        section(render("digest/ranking_totals.mrkdwn.j2", d=d)),
    ]
    if d.movers or d.left:
        movers = [(m, mover_reasons(m, d.currency)) for m in d.movers]
        blocks.append(section(render("digest/ranking_movers.mrkdwn.j2", d=d, movers=movers)))
    shown = d.lines[:RANKING_ROWS]
    lines = [
        render(
            "digest/ranking_line.mrkdwn.j2",
            line=line,
            movement=movement_label(line.movement),
            currency=d.currency,
            value=format_measure(d.measure, d.currency, line.value),
        )
        for line in shown
    ]
    hidden = len(d.lines) - len(shown)
    if hidden:
        lines.append(f"_… and {format_count(hidden)} more: `/portfolio rank` shows them all._")
    if not d.lines:
        lines = [
            "No products to rank yet. Add one with "
            "`/portfolio add CHK Checkout | investment 120k | return 400k`."
        ]
    room = max_blocks - len(blocks) - 1
    blocks.extend(pack_lines(lines, room=room, more="more products"))
    blocks.append(context("`/portfolio rank` for the full ranking · `/portfolio digest off` stops"))
    top = ", ".join(
        f"{line.position}. {line.key} ({format_measure(d.measure, d.currency, line.value)})"
        for line in d.lines[:3]
    )
    fallback = f"{title}: {top}" if top else title
    return Message(text=plain(escape(fallback), 3000), blocks=blocks[:max_blocks])


def status_message(
    d: StatusDigest,
    *,
    cadence: str,
    tz: str,
    max_blocks: int = MAX_BLOCKS,
) -> Message:
    """The status digest: groups ordered by importance, each cut to fit with "… and N more"."""
    title = f"{CADENCE_WORDS.get(cadence, '')} status digest · {d.portfolio}".strip()
    since = "when this channel subscribed" if d.since_subscribed else "the last digest"
    blocks: list[dict[str, Any]] = [
        header(title),
        context(render("digest/status_intro.mrkdwn.j2", d=d, tz=tz, since_label=since)),
    ]
    counts: list[str] = []
    for kind, heading, attribute in STATUS_GROUPS:
        entries = getattr(d, attribute)
        if not entries:
            continue
        counts.append(f"{len(entries)} {heading.split(': ')[-1].split(' ', 1)[-1].lower()}")
        if len(blocks) >= max_blocks - 1:
            continue
        blocks.append(section(_group(kind, heading, entries, d)))
    if d.quiet:
        blocks.append(
            section(
                ":sparkles: All quiet: no changes, nothing at risk, "
                f"nothing due within {DUE_WINDOW_DAYS} days."
            )
        )
    blocks.append(context("Post updates in chat, e.g. `CHK-3: testing 80%` · `/roadmap CHK`"))
    fallback = f"{title}: " + (", ".join(_summary(d)) or "all quiet")
    return Message(text=plain(escape(fallback), 3000), blocks=blocks[:max_blocks])


def _summary(d: StatusDigest) -> list[str]:
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


def digest_message(
    posting_digest: RankingDigest | StatusDigest,
    *,
    cadence: str,
    tz: str,
    max_blocks: int = MAX_BLOCKS,
) -> Message:
    """The message for either kind of digest."""
    if isinstance(posting_digest, RankingDigest):
        return ranking_message(posting_digest, cadence=cadence, tz=tz, max_blocks=max_blocks)
    return status_message(posting_digest, cadence=cadence, tz=tz, max_blocks=max_blocks)


def preview(digests: Sequence[RankingDigest | StatusDigest], req: Request) -> Message:
    """Both digests in one ephemeral message, each within half of the block budget."""
    budget = (MAX_BLOCKS - 2) // max(1, len(digests))
    person = req.directory.person(req.client, req.actor.team_id, req.actor.user_id)
    tz = person.tz or req.services.digests.default_timezone
    blocks: list[dict[str, Any]] = [
        context(":mag: Preview, only for you: this is what the channel would get now.")
    ]
    texts = []
    for index, digest in enumerate(digests):
        message = digest_message(digest, cadence="", tz=tz, max_blocks=budget)
        if index:
            blocks.append(divider())
        blocks.extend(message.blocks)
        texts.append(message.text)
    return Message(text=plain("Preview: " + " · ".join(texts), 3000), blocks=blocks[:MAX_BLOCKS])


def paused_message(notice: PauseNotice) -> Message:
    """The DM to the subscriber when their channel refused a digest and it was paused."""
    reason, fix = REFUSAL_REASONS.get(
        notice.error, ("Slack refused the post", "make sure I can post there")
    )
    again = (
        f"{notice.schedule.cadence} "
        + (f"{WEEKDAYS[notice.schedule.weekday]} " if notice.schedule.weekday is not None else "")
        + f"{notice.schedule.at:%H:%M} {notice.schedule.tz} {notice.schedule.kinds}"
    )
    text = render(
        "digest/paused.mrkdwn.j2",
        notice=notice,
        channel=channel_ref(notice.channel_id),
        reason=reason,
        fix=Mrkdwn(fix),
        again=again,
    )
    return build(fallback=_fallback(text), body=[text])


def reminder_message(dm: ReminderDM) -> Message:
    """The owner's reminder: which products need an update and the exact line to post."""
    text = render("digest/reminder.mrkdwn.j2", dm=dm)
    fallback = (
        f"Reminder: the {dm.portfolio} status digest posts tomorrow; "
        + ", ".join(p.key for p in dm.products)
        + " need an update."
    )
    return build(fallback=escape(fallback), lines=text.split("\n\n"), more="more products")


# ---------------------------------------------------------------------------------------------
# Sending


@dataclass
class SendResult:
    """What became of a batch of postings."""

    outcomes: list[Outcome] = field(default_factory=list)
    notices: list[PauseNotice] = field(default_factory=list)

    @property
    def sent(self) -> int:
        """Postings Slack accepted."""
        return sum(1 for o in self.outcomes if o.ok)


def send_postings(
    client: WebClient,
    services: Services,
    postings: Sequence[ClaimedPosting],
    *,
    charts: bool = True,
    per_channel_interval: float = 1.0,
    workspace_rate: float | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] | None = None,
) -> SendResult:
    """Post claimed digests with deliver(), mark each as it settles, DM paused subscribers once."""
    result = SendResult()
    if not postings:
        return result
    by_id = {str(p.posting_id): p for p in postings}
    messages = []
    for posting in postings:
        message = digest_message(posting.digest, cadence=posting.cadence, tz=posting.tz)
        messages.append(
            Outgoing(
                id=str(posting.posting_id),
                channel=posting.channel_id,
                text=message.text,
                blocks=message.blocks,
            )
        )

    def settle(outcome: Outcome) -> None:
        notice = services.digests.record_outcome(
            by_id[outcome.id],
            ok=outcome.ok,
            ts=outcome.ts,
            error=outcome.error,
            now=services.clock(),
        )
        if notice is not None:
            result.notices.append(notice)

    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    result.outcomes = deliver(
        client,
        messages,
        per_channel_interval=per_channel_interval,
        workspace_rate=workspace_rate,
        workers=workers,
        on_outcome=settle,
        **extra,
    )
    for notice in result.notices:
        _direct_message(client, notice.subscriber_id, paused_message(notice))
    if charts:
        _attach_charts(client, postings, result.outcomes)
    return result


def send_reminders(client: WebClient, services: Services, reminders: Sequence[ReminderDM]) -> int:
    """Send owners' reminder DMs; a failed one is released so a later tick tries again."""
    sent = 0
    for dm in reminders:
        ok = _direct_message(client, dm.owner_id, reminder_message(dm))
        services.digests.reminders_done(dm, ok=ok, now=services.clock())
        sent += int(ok)
    return sent


def _direct_message(client: WebClient, user_id: str, message: Message) -> bool:
    try:
        client.chat_postMessage(channel=user_id, **message.payload())
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("digest direct message failed user=%s: %s", user_id, error)
        return False
    return True


_PNG_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def _attach_charts(
    client: WebClient, postings: Sequence[ClaimedPosting], outcomes: Sequence[Outcome]
) -> None:
    """Weekly ranking digests get the bubble chart in their thread; a failure only logs."""
    posted = {o.id: o for o in outcomes if o.ok and o.ts}
    pngs: dict[tuple[str, str], bytes | None] = {}
    for posting in postings:
        outcome = posted.get(str(posting.posting_id))
        digest = posting.digest
        if outcome is None or posting.cadence != "weekly":
            continue
        if not isinstance(digest, RankingDigest) or not digest.lines:
            continue
        key = (posting.team_id, digest.portfolio)
        if key not in pngs:
            pngs[key] = _bubble_png(digest)
        png = pngs[key]
        if png is None:
            continue
        try:
            client.files_upload_v2(
                channel=posting.channel_id,
                thread_ts=outcome.ts,
                content=png,
                filename=_PNG_NAME.sub("-", digest.portfolio).strip("-") + "-bubbles.png",
                title=f"{digest.portfolio}: confidence × ROI, bubble = investment",
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("digest chart upload failed channel=%s: %s", posting.channel_id, error)


def _bubble_png(digest: RankingDigest) -> bytes | None:
    try:
        from handlers.charts import BubblePoint, bubble_chart

        points = [
            BubblePoint(
                key=line.key,
                category=line.category,
                confidence=float(line.confidence),
                roi=None if line.roi is None else float(line.roi),
                investment=float(line.investment),
            )
            for line in digest.lines
        ]
        return bubble_chart(points, title=f"{digest.portfolio} · ROI", currency=digest.currency)
    except Exception:
        log.exception("bubble chart failed portfolio=%s", digest.portfolio)
        return None
