"""`/portfolio digest …` subscribes a channel; `/roadmap remind off|on` silences one's reminders."""

from __future__ import annotations

from domain.commands.digests import DIGEST_USAGE, REMIND_USAGE, parse_digest, parse_remind
from domain.vocabulary import CADENCES, DIGEST_KIND_CHOICES, WEEKDAYS
from handlers.commands import CommandSet, Reply, Request
from handlers.digests.messages import (
    posted_now,
    preview,
    reminders_answer,
    subscribed,
    subscription_list,
    unsubscribed,
)
from handlers.digests.sending import send_postings


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio digest and /roadmap remind."""
    portfolio.add(
        "digest",
        DIGEST_USAGE,
        digest_command,
        examples=(
            "/portfolio digest weekly mon 09:00 Europe/Berlin ranking",
            "/portfolio digest daily 09:00 status",
            "/portfolio digest off",
        ),
        words=(
            ("cadences", CADENCES),
            ("weekdays", WEEKDAYS),
            ("kinds", DIGEST_KIND_CHOICES),
            ("also", ("off", "list", "now", "preview")),
        ),
    )
    roadmap.add(
        "remind",
        REMIND_USAGE,
        remind_command,
        examples=("/roadmap remind off", "/roadmap remind on"),
        words=(("choices", ("off", "on")),),
    )


def digest_command(req: Request) -> Reply:
    """Subscribe this channel to digests; also `daily 09:00`, `off`, `list`, `now`, `preview`."""
    request = parse_digest(req.cmd)
    subscriptions = req.services.subscriptions
    if request.action == "off":
        views = subscriptions.unsubscribe(req.actor, req.channel_id)
        return Reply(unsubscribed(req.channel_id, views), in_channel=True)
    if request.action == "list":
        return Reply(subscription_list(subscriptions.active(req.actor)))
    if request.action == "preview":
        return show_preview(req)
    if request.action == "now":
        return post_now(req)
    return subscribe(req, request.schedule)


def remind_command(req: Request) -> Reply:
    """Stop (`off`) or restart (`on`) the reminder DMs you get as a product owner."""
    request = parse_remind(req.cmd)
    changed = req.services.reminders.set_reminders(req.actor, off=request.off)
    return Reply(reminders_answer(request.off, changed))


def subscribe(req: Request, schedule: str) -> Reply:
    """Subscribe (or reschedule) the channel; the zone defaults to the asker's Slack zone."""
    person = req.directory.person(req.client, req.actor.team_id, req.actor.user_id)
    view = req.services.subscriptions.subscribe(
        req.actor, req.channel_id, schedule, person_tz=person.tz
    )
    return Reply(subscribed(view), in_channel=True)


def show_preview(req: Request) -> Reply:
    """Show only the asker what this channel's digests would say now, in their time zone."""
    digests = req.services.subscriptions.preview(req.actor, req.channel_id)
    person = req.directory.person(req.client, req.actor.team_id, req.actor.user_id)
    return Reply(preview(digests, person.tz or req.services.subscriptions.default_timezone))


def post_now(req: Request) -> Reply:
    """Post this channel's digests now (they count as its latest digest)."""
    runner = f"now:{req.actor.team_id}:{req.actor.user_id}"
    postings = req.services.subscriptions.post_now(req.actor, req.channel_id, runner=runner)
    result = send_postings(req.client, req.services, postings, charts=False)
    failed = [o for o in result.outcomes if not o.ok]
    error = (failed[0].error or "unknown") if failed else None
    return Reply(posted_now([p.kind for p in postings], error))
