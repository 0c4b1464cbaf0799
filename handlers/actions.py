"""The buttons on what Folio posts (`msg_…`): each reaches the service the command would.

- Show product ▾ / Open roadmap ▾: the card or the roadmap, only for the person who clicked,
  exactly as `/portfolio show CHK` and `/roadmap CHK` answer it.
- Post update: the Post update form (handlers.modals), the product picked.
- No change this week (a reminder): records `CHK: no change this week` as the owner's update,
  through the chat-update service; the reminder then says so in place of its buttons.
- Accept / Reject (an announcement): decides the proposals it names that still wait; every
  copy of the announcement is edited to say how each ended (handlers.announcements).

A button's value is untrusted (handlers.buttons.parse_value) and its target is looked up in
the workspace the click came from: a button from another workspace, an archived product, a
proposal decided already or a value we never wrote changes nothing and is answered politely.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from domain.errors import FolioError, NotFound, PermissionDenied
from domain.services import Services
from domain.views import Actor, Decision
from handlers import buttons
from handlers.announcements import refresh_announcements
from handlers.blocks import Message, context
from handlers.buttons import Target, action_pattern, parse_value
from handlers.commands import CommandSet, Reply, run_command
from handlers.directory import Directory
from handlers.governance import tell_authors
from handlers.home import republish_home
from handlers.modals.ids import Origin
from handlers.modals.opening import open_post_update
from handlers.proposals import decision_message
from handlers.render import escape, mention
from handlers.replies import problem, text_message

log = logging.getLogger("folio.actions")
OUT_OF_DATE = (
    "That button is out of date (or not one of mine), so nothing changed. "
    "`/portfolio help` has the commands it stood for."
)
ALREADY_DECIDED = (
    "Those proposals on *{key}* were decided already (or withdrawn, or are no longer "
    "there), so nothing changed. `/portfolio proposals` lists the ones still waiting."
)
NO_CHANGE_TEXT = "{key}: no change this week"


@dataclass(frozen=True)
class Click:
    """One press of a button or pick in a menu, as the listeners need it."""

    team_id: str
    user_id: str
    channel_id: str
    message_ts: str | None
    action_ts: str
    trigger_id: str
    response_url: str | None
    target: Target | None
    blocks: tuple[dict[str, Any], ...]


def click_of(body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> Click:
    """The click's workspace, person, message and target (parsed from its untrusted value)."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    chosen = action.get("selected_option") or {}
    value = action.get("value") if "value" in action else chosen.get("value")
    raw_blocks = message.get("blocks")
    return Click(
        team_id=str(context.team_id or (body.get("team") or {}).get("id") or ""),
        user_id=str((body.get("user") or {}).get("id") or context.user_id or ""),
        channel_id=str(container.get("channel_id") or (body.get("channel") or {}).get("id") or ""),
        message_ts=container.get("message_ts") or message.get("ts"),
        action_ts=str(action.get("action_ts") or ""),
        trigger_id=str(body.get("trigger_id") or ""),
        response_url=body.get("response_url"),
        target=parse_value(value),
        blocks=tuple(b for b in raw_blocks if isinstance(b, dict))
        if isinstance(raw_blocks, list)
        else (),
    )


def answer(respond: Respond, message: Message, *, replace_original: bool = False) -> None:
    """Answer the person who clicked: privately, or by replacing the message clicked on."""
    if replace_original:
        respond(**message.payload(replace_original=True))
    else:
        respond(**message.payload(response_type="ephemeral", replace_original=False))


def out_of_date(respond: Respond) -> None:
    """The polite answer to a value we can't act on."""
    answer(respond, text_message(OUT_OF_DATE))


# -- reading: the card and the roadmap -----------------------------------------------------------


def show_product(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    portfolio: CommandSet,
    services: Services,
    directory: Directory,
) -> None:
    """Show product: the card, as `/portfolio show CHK` answers it, for the clicker only."""
    ack()
    click = click_of(body, action, context)
    if click.target is None or click.target.key is None:
        out_of_date(respond)
        return
    reply = read(portfolio, f"show {click.target.key}", click, client, services, directory)
    answer(respond, reply.message)


def open_roadmap(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    roadmap: CommandSet,
    services: Services,
    directory: Directory,
) -> None:
    """Open roadmap: the product's roadmap, as `/roadmap CHK` answers it, for the clicker only."""
    ack()
    click = click_of(body, action, context)
    if click.target is None or click.target.key is None:
        out_of_date(respond)
        return
    answer(respond, read(roadmap, click.target.key, click, client, services, directory).message)


def read(
    commands: CommandSet,
    text: str,
    click: Click,
    client: WebClient,
    services: Services,
    directory: Directory,
) -> Reply:
    """Run a reading command for the clicker, in their workspace and channel."""
    return run_command(
        commands,
        text,
        actor=directory.actor(client, click.team_id, click.user_id),
        channel_id=click.channel_id,
        services=services,
        client=client,
        directory=directory,
    )


# -- updates: the form, and "no change this week" ------------------------------------------------


def post_update(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    services: Services,
    directory: Directory,
) -> None:
    """Post update: open the form at once (the trigger lasts 3 s), the product picked."""
    ack()
    click = click_of(body, action, context)
    if click.target is None:
        out_of_date(respond)
        return
    open_post_update(
        client,
        services,
        directory,
        trigger_id=click.trigger_id,
        team_id=click.team_id,
        user_id=click.user_id,
        origin=Origin(
            via="channel",
            channel_id=click.channel_id or None,
            response_url=click.response_url,
            message_ts=click.message_ts,
            key=click.target.key,
        ),
        values={"about": click.target.key} if click.target.key else None,
    )


def no_change_this_week(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    services: Services,
    directory: Directory,
) -> None:
    """No change this week: the owner's update `CHK: no change this week`, noted once."""
    ack()
    click = click_of(body, action, context)
    key = click.target.key if click.target is not None else None
    if key is None:
        out_of_date(respond)
        return
    actor = directory.actor(client, click.team_id, click.user_id)
    # One reminder notes one product once: the reminder's ts and the key name the "message".
    ts = f"{click.message_ts}:{key}" if click.message_ts else click.action_ts
    outcome = services.updates.record(
        actor, channel_id=click.channel_id, ts=ts[:32], text=NO_CHANGE_TEXT.format(key=key)
    )
    if outcome.status == "problem":
        answer(respond, text_message(escape(outcome.problem or OUT_OF_DATE)))
        return
    if outcome.status not in ("recorded", "duplicate"):
        out_of_date(respond)
        return
    who = mention(actor.user_id)
    done = f":white_check_mark: Noted: no change on *{escape(key)}* this week ({who})."
    answer(respond, answered_reminder(click, key, done), replace_original=True)
    republish_home(client, services, directory, click.team_id, click.user_id, keys=(key,))


def answered_reminder(click: Click, key: str, done: str) -> Message:
    """The reminder with one product's buttons replaced by what was done about it."""
    block_id = buttons.reminder_block_id(key)
    blocks = [context(done) if b.get("block_id") == block_id else b for b in click.blocks]
    if not any(b.get("block_id") == block_id for b in click.blocks):
        blocks.append(context(done))
    return Message(text=f"Noted: no change on {key} this week.", blocks=blocks)


# -- decisions: Accept and Reject ----------------------------------------------------------------


def accept_proposals(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    services: Services,
    directory: Directory,
) -> None:
    """Accept: apply the proposals this announcement names that still wait."""
    ack()
    click = click_of(body, action, context)
    decide(click, respond, client, services, directory, services.proposals.accept)


def reject_proposals(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    services: Services,
    directory: Directory,
) -> None:
    """Reject: turn down the proposals this announcement names that still wait."""
    ack()
    click = click_of(body, action, context)
    decide(click, respond, client, services, directory, services.proposals.reject)


Decide = Callable[[Actor, str, str | None], Decision]


def decide(
    click: Click,
    respond: Respond,
    client: WebClient,
    services: Services,
    directory: Directory,
    run: Decide,
) -> None:
    """Decide what still waits, tell the authors, and bring every copy up to date."""
    target = click.target
    if target is None or target.key is None or not target.proposal_ids:
        out_of_date(respond)
        return
    key = target.key
    fields = services.announcements.still_pending(click.team_id, key, target.proposal_ids)
    if not fields:
        answer(respond, text_message(ALREADY_DECIDED.format(key=escape(key))))
        return
    actor = directory.actor(client, click.team_id, click.user_id)
    try:
        decision = decide_fields(run, actor, key, fields)
    except FolioError as refused:
        answer(respond, problem(refused))
        return
    if decision is None:
        answer(respond, text_message(ALREADY_DECIDED.format(key=escape(key))))
        return
    told = tell_authors(client, decision)
    here = (click.channel_id, click.message_ts or "")
    updated = refresh_announcements(client, services, click.team_id, key, skip=here)
    mine = next((m for p, m in updated if (p.channel_id, p.ts) == here), None)
    answer(respond, mine or decision_message(decision, told), replace_original=True)
    authors = tuple(dict.fromkeys(p.author_id for p in decision.proposals))
    republish_home(client, services, directory, click.team_id, actor.user_id, *authors, keys=(key,))


def decide_fields(run: Decide, actor: Actor, key: str, fields: Sequence[str]) -> Decision | None:
    """One decision over several fields (each decided on its own); None if none still waited.

    A refusal (not a portfolio manager) comes on the first field, before anything changed.
    """
    decisions: list[Decision] = []
    for field in fields:
        try:
            decisions.append(run(actor, key, field))
        except NotFound:
            continue  # decided elsewhere a moment ago
        except PermissionDenied:
            if decisions:
                break
            raise
    if not decisions:
        return None
    last = decisions[-1]
    return replace(
        last,
        proposals=tuple(p for d in decisions for p in d.proposals),
        applied=tuple(c for d in decisions for c in d.applied),
    )


# -- wiring -------------------------------------------------------------------------------------


def register(
    app: App, sets: Sequence[CommandSet], services: Services, directory: Directory
) -> None:
    """Listen to every `msg_…` button and menu (their `.KEY` variants too)."""
    portfolio = next(s for s in sets if s.name == "/portfolio")
    roadmap = next(s for s in sets if s.name == "/roadmap")
    bind = partial(partial, services=services, directory=directory)
    listeners: tuple[tuple[str, Callable[..., None]], ...] = (
        (buttons.SHOW_PRODUCT, bind(show_product, portfolio=portfolio)),
        (buttons.OPEN_ROADMAP, bind(open_roadmap, roadmap=roadmap)),
        (buttons.POST_UPDATE, bind(post_update)),
        (buttons.NO_CHANGE, bind(no_change_this_week)),
        (buttons.ACCEPT_PROPOSAL, bind(accept_proposals)),
        (buttons.REJECT_PROPOSAL, bind(reject_proposals)),
    )
    for action_id, listener in listeners:
        app.action(action_pattern(action_id))(listener)
