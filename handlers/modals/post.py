"""The Post update form, submitted: recorded like a chat update, answered where it came from.

From a message (the shortcut): the message gets Folio's ✅ and the update its permalink,
and the person a private answer. From a button on a message: the channel is told, as
`/roadmap update` tells it. From App Home: the answer tops the republished tab.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError

from domain.commands.update_form import parse_update_form
from domain.errors import FolioError
from domain.services.posting import PostedUpdate
from domain.vocabulary import MONEY_METRICS
from handlers.blocks import Message, build, context
from handlers.chat_replies import CHECK
from handlers.commands import Reply
from handlers.delivery.errors import api_error_code
from handlers.formats import format_count, format_money_short
from handlers.modals.submit import Submission, finish
from handlers.modals.values import error_text
from handlers.render import Mrkdwn, escape, mention, render
from handlers.roadmap import item_change, item_value_words

log = logging.getLogger("folio.modals")


def submit_post_update(ack: Ack, sub: Submission) -> None:
    """Post update: read each field, record the update, answer where the form came from."""
    form, errors = parse_update_form(sub.values)
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    origin = sub.origin
    from_message = bool(origin.via == "shortcut" and origin.channel_id and origin.message_ts)
    try:
        actor = sub.directory.actor(sub.client, sub.team_id, sub.user_id)
        posted = sub.services.posting.post(
            actor,
            form,
            channel_id=origin.channel_id if from_message else None,
            message_ts=origin.message_ts if from_message else None,
        )
    except FolioError as problem:
        # A metric in another currency than the portfolio's belongs next to the metrics;
        # every other refusal (no such product or item, not theirs) next to the picker.
        field = "metrics" if form.currencies and "written in" in problem.message else "about"
        ack(response_action="errors", errors={field: error_text(problem, sub.name_of)})
        return
    ack()
    if from_message:
        link_message(sub, posted)
    message = posted_message(posted, sub.user_id)
    finish(
        sub,
        Reply(message, in_channel=origin.via == "channel"),
        keys=(posted.product_key,),
        what="Post update",
    )


def link_message(sub: Submission, posted: PostedUpdate) -> None:
    """A logged message: ✅ on it, and its permalink on the update (as chat updates get)."""
    channel, ts = sub.origin.channel_id or "", sub.origin.message_ts or ""
    try:
        sub.client.reactions_add(channel=channel, timestamp=ts, name=CHECK)
    except SlackApiError as error:
        if api_error_code(error) != "already_reacted":
            log.warning(
                "no check mark on a logged message channel=%s: %s", channel, api_error_code(error)
            )
    try:
        link = sub.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError as error:
        log.warning(
            "no permalink for a logged message channel=%s: %s", channel, api_error_code(error)
        )
        return
    if isinstance(link, str) and link.startswith("https://"):
        sub.services.updates.attach_permalink(sub.team_id, posted.update_id, link)


def metric_words(posted: PostedUpdate) -> str:
    """`revenue $120k, csat 4.4`."""
    return ", ".join(
        f"{name} "
        + (
            format_money_short(value, posted.currency)
            if name in MONEY_METRICS
            else format_count(value)
        )
        for name, value in posted.metrics
    )


def posted_message(posted: PostedUpdate, author: str) -> Message:
    """What was recorded: the item's change (as `/roadmap update` says it), health, metrics."""
    item_text = item_change(posted.item).text if posted.item is not None else None
    text = render(
        "updates/posted.mrkdwn.j2",
        p=posted,
        item_text=Mrkdwn(item_text) if item_text else None,
        product_lines=[
            (c.field, item_value_words(c.field, c.before), item_value_words(c.field, c.after))
            for c in posted.product_changes
        ],
        metrics=metric_words(posted),
    )
    message = build(fallback=escape(f"{posted.product_key}: update posted"), body=[text])
    footer = context(f"Posted by {mention(author)} · Post update")
    return Message(text=message.text, blocks=[*message.blocks, footer])
