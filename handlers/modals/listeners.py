"""Every modal payload Bolt receives, registered: commands that open forms, submissions,
closes, and the options of the pickers that are searched as one types.

Bolt answers a payload no listener matches with `404 unhandled request` (and Slack shows
the person an error), so each callback id Folio's views carry has a submission listener
and a close listener, even the views that cannot be submitted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.commands.portfolio import ADD_USAGE
from domain.commands.roadmap import ROADMAP_ADD_USAGE
from domain.services import Services
from handlers.commands import CommandSet
from handlers.directory import Directory
from handlers.modals import ids
from handlers.modals.forms import choice_label
from handlers.modals.ids import Origin
from handlers.modals.opening import open_add_item, open_add_product
from handlers.modals.post import submit_post_update
from handlers.modals.submit import (
    Submission,
    submission,
    submit_add_item,
    submit_add_product,
    submit_edit_product,
    submit_reject,
)
from handlers.render import escape

log = logging.getLogger("folio.modals")
Submit = Callable[[Ack, Submission], None]
SUBMITS: dict[str, Submit] = {
    ids.ADD_PRODUCT: submit_add_product,
    ids.ADD_ITEM: submit_add_item,
    ids.POST_UPDATE: submit_post_update,
    ids.EDIT_PRODUCT: submit_edit_product,
    ids.REJECT: submit_reject,
}
Opener = Callable[..., bool]
FORM_COMMANDS = ("/portfolio", "/roadmap")  # whose bare `add` opens a form


def bare(verb: str) -> Callable[[dict[str, Any]], bool]:
    """A matcher: the command's text is just this verb (`/portfolio add` and nothing more)."""

    def matches(body: dict[str, Any]) -> bool:
        return (body.get("text") or "").split() == [verb]

    return matches


def open_from_command(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    *,
    opener: Opener,
    usage: str,
    services: Services,
    directory: Directory,
) -> None:
    """`/portfolio add` or `/roadmap add` alone: open the form (typing it still works)."""
    ack()
    team_id, user_id = str(body.get("team_id") or ""), str(body.get("user_id") or "")
    log.info("form team=%s user=%s command=%s", team_id, user_id, body.get("command"))
    origin = Origin(
        via="command",
        channel_id=body.get("channel_id") or None,
        response_url=body.get("response_url") or None,
    )
    opened = opener(
        client,
        services,
        directory,
        trigger_id=str(body.get("trigger_id") or ""),
        team_id=team_id,
        user_id=user_id,
        origin=ids.decode(ids.encode(origin)),
    )
    if not opened:
        respond(
            text=f"I couldn't open the form just now. Type it instead: `{escape(usage)}`",
            response_type="ephemeral",
        )


def on_submit(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    *,
    submit: Submit,
    services: Services,
    directory: Directory,
    commands: CommandSet,
) -> None:
    """A submitted form: read it in the workspace it came from, then check and run it."""
    submit(ack, submission(body, client, services, directory, commands))


def acknowledge(ack: Ack) -> None:
    """A closed modal, or a view that has nothing to submit: nothing to do but answer."""
    ack()


def suggest(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    *,
    items: bool,
    services: Services,
    directory: Directory,
) -> None:
    """block_suggestion: the products (and items) matching what the person typed."""
    team = body.get("team") or {}
    user = body.get("user") or {}
    actor = directory.actor(client, str(team.get("id") or ""), str(user.get("id") or ""))
    query = str(body.get("value") or "")[:50]
    choices = services.choices.targets(actor, query, items=items)
    ack(
        options=[
            {
                "text": {"type": "plain_text", "text": choice_label(c, with_items=items)[:75]},
                "value": c.value,
            }
            for c in choices.choices
        ]
    )


def opens_form(body: dict[str, Any]) -> bool:
    """Whether this slash command opens a form here (a bare `add`) rather than running."""
    return body.get("command") in FORM_COMMANDS and bare("add")(body)


def register(
    app: App, services: Services, directory: Directory, sets: Sequence[CommandSet]
) -> None:
    """Forms for bare add commands, submissions, closes and picker options (before commands)."""
    portfolio = next(s for s in sets if s.name == "/portfolio")
    roadmap = next(s for s in sets if s.name == "/roadmap")
    for command, opener, usage in (
        ("/portfolio", open_add_product, ADD_USAGE),
        ("/roadmap", open_add_item, ROADMAP_ADD_USAGE),
    ):
        app.command(command, matchers=[bare("add")])(
            partial(
                open_from_command,
                opener=opener,
                usage=usage,
                services=services,
                directory=directory,
            )
        )
    for callback, submit in SUBMITS.items():
        app.view_submission(callback)(
            partial(
                on_submit,
                submit=submit,
                commands=roadmap if callback == ids.ADD_ITEM else portfolio,
                services=services,
                directory=directory,
            )
        )
    app.view_submission(re.compile(r"^modal_(loading|notice)$"))(acknowledge)
    app.view_closed(re.compile(r"^modal_"))(acknowledge)
    app.options(ids.ABOUT_ACTION)(
        partial(suggest, items=True, services=services, directory=directory)
    )
    app.options(ids.PRODUCT_ACTION)(
        partial(suggest, items=False, services=services, directory=directory)
    )
