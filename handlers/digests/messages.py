"""Digest answers and DMs: subscriptions, schedules in words, previews, pauses, reminders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.commands.digests import DIGEST_USAGE
from domain.digest import RankingDigest
from domain.schedule import Schedule
from domain.services.digests import Digest, PauseNotice, ReminderDM, SubscriptionView
from domain.vocabulary import WEEKDAY_NAMES, WEEKDAYS
from handlers.blocks import MAX_BLOCKS, Message, build, context, divider, plain
from handlers.buttons import REMINDER_BUTTONS, reminder_actions, with_actions
from handlers.delivery import Refusal, refusal
from handlers.digests.ranking import ranking_message
from handlers.digests.status import status_message
from handlers.render import CHANNEL_ID, Mrkdwn, escape, render
from handlers.replies import text_message

KIND_WORDS = {"ranking": "ranking", "status": "status", "both": "ranking and status"}
REFUSAL_WORDS = {
    Refusal.NOT_A_MEMBER: ("I'm not a member of that channel", "invite me with `/invite @Folio`"),
    Refusal.CHANNEL_GONE: (
        "the channel is gone or private to me",
        "invite me to the channel (or subscribe another one)",
    ),
    Refusal.ARCHIVED: ("the channel is archived", "unarchive it (or subscribe another channel)"),
}


def channel_ref(channel_id: str) -> Mrkdwn:
    """A channel mention (trusted mrkdwn) for a valid channel id, else the escaped text."""
    if CHANNEL_ID.match(channel_id):
        return Mrkdwn(f"<#{channel_id}>")
    return Mrkdwn(escape(channel_id))


def when_words(schedule: Schedule) -> str:
    """When a schedule posts: "every Monday at 09:00 (Europe/Berlin)"."""
    day = "every day" if schedule.weekday is None else f"every {WEEKDAY_NAMES[schedule.weekday]}"
    clock = schedule.at.strftime("%H:%M" if schedule.at.second == 0 else "%H:%M:%S")
    return f"{day} at {clock} ({schedule.tz})"


def schedule_words(schedule: Schedule) -> str:
    """A schedule in words: "every Monday at 09:00 (Europe/Berlin), ranking and status"."""
    return f"{when_words(schedule)}, {KIND_WORDS[schedule.kinds]}"


def schedule_command(schedule: Schedule) -> str:
    """The words that subscribe with this schedule again: "weekly mon 09:00 Europe/Berlin both"."""
    day = f"{WEEKDAYS[schedule.weekday]} " if schedule.weekday is not None else ""
    return f"{schedule.cadence} {day}{schedule.at:%H:%M} {schedule.tz} {schedule.kinds}"


def subscribed(view: SubscriptionView) -> Message:
    """The answer to a subscription: schedule, next posting in the channel's zone and in UTC."""
    text = render(
        "digest/subscribed.mrkdwn.j2",
        view=view,
        channel=channel_ref(view.channel_id),
        kinds=KIND_WORDS[view.schedule.kinds],
        when=when_words(view.schedule),
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
        render(
            "digest/list_line.mrkdwn.j2",
            view=v,
            channel=channel_ref(v.channel_id),
            schedule=schedule_words(v.schedule),
        )
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


def posted_now(kinds: Sequence[str], error: str | None) -> Message:
    """The answer to `digest now`: posted, or why Slack refused and how to fix it."""
    if error is None:
        return text_message(f":white_check_mark: Posted the {' and '.join(kinds)} digest here.")
    reason, fix = REFUSAL_WORDS.get(
        refusal(error), ("Slack refused the post", "try again in a minute")
    )
    return text_message(
        f"I couldn't post the digest here ({reason}: `{escape(error)}`). To fix it, {fix}."
    )


def digest_message(
    digest: Digest, *, cadence: str, tz: str, max_blocks: int = MAX_BLOCKS
) -> Message:
    """The message for either kind of digest."""
    if isinstance(digest, RankingDigest):
        return ranking_message(digest, cadence=cadence, tz=tz, max_blocks=max_blocks)
    return status_message(digest, cadence=cadence, tz=tz, max_blocks=max_blocks)


def preview(digests: Sequence[Digest], tz: str) -> Message:
    """Both digests in one ephemeral message, each within half of the block budget."""
    budget = (MAX_BLOCKS - 2) // max(1, len(digests))
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
    reason, fix = REFUSAL_WORDS.get(
        refusal(notice.error), ("Slack refused the post", "make sure I can post there")
    )
    text = render(
        "digest/paused.mrkdwn.j2",
        notice=notice,
        channel=channel_ref(notice.channel_id),
        reason=reason,
        fix=Mrkdwn(fix),
        again=schedule_command(notice.schedule),
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
    message = build(fallback=escape(fallback), lines=text.split("\n\n"), more="more products")
    keys = [p.key for p in dm.products[:REMINDER_BUTTONS]]
    return with_actions(message, *(reminder_actions(key) for key in keys))


def _fallback(mrkdwn: str) -> str:
    return plain(mrkdwn.replace("*", "").replace("\n\n", " "), 3000)
