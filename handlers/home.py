"""App Home: published when a person opens the tab, and again after a change they would see.

The buttons on it: Post update and Edit product open their forms; Accept decides a pending
proposal at once; Reject asks why first. Each button's value is untrusted: the product and
field are read again and checked by the services, in the workspace the click came from.
`republish_home` is what other surfaces call after a change (a chat update, a form).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.chat_grammar import match_prefix
from domain.errors import FolioError, InvalidInput, PermissionDenied
from domain.grammar import parse_key
from domain.services import Services
from domain.views import Actor
from domain.vocabulary import FUNDING_INPUTS
from handlers.announcements import refresh_announcements
from handlers.delivery.errors import api_error_code
from handlers.directory import Directory, PeopleRefused, PeopleUnavailable
from handlers.governance import tell_authors
from handlers.home_view import ACCEPT, EDIT_PRODUCT, POST_UPDATE, REJECT, home_view
from handlers.modals.confirm import notice_text
from handlers.modals.ids import Origin
from handlers.modals.opening import open_edit_product, open_post_update, open_reject
from handlers.proposals import decision_message
from handlers.replies import problem_text

log = logging.getLogger("folio.home")


def publish_home(
    client: WebClient,
    services: Services,
    directory: Directory,
    team_id: str,
    user_id: str,
    *,
    notice: str | None = None,
) -> None:
    """Publish one person's App Home, in their time zone, with a notice on top if given."""
    person = directory.person(client, team_id, user_id)
    actor = Actor(team_id=team_id, user_id=user_id, is_admin=person.is_admin)
    tz = person.tz or "UTC"
    view = services.home.home(actor, tz=tz)
    client.views_publish(user_id=user_id, view=home_view(view, tz=tz, notice=notice))


def republish_after_command(
    client: WebClient,
    team_id: str,
    user_id: str,
    keys: tuple[str, ...],
    *,
    services: Services,
    directory: Directory,
) -> None:
    """After a typed command changed something: the asker's tab and the product owners'."""
    republish_home(client, services, directory, team_id, user_id, keys=keys)


def republish_home(
    client: WebClient,
    services: Services,
    directory: Directory,
    team_id: str,
    *user_ids: str,
    keys: Sequence[str] = (),
    notice: str | None = None,
) -> None:
    """Publish App Home again for these people and the owners of `keys` (best effort).

    `notice` goes on top of the first person's tab (what they just did). Slack refusing is
    logged, never raised: the change itself is done.
    """
    for index, user_id in enumerate(services.home.audience(team_id, user_ids, keys)):
        try:
            publish_home(
                client,
                services,
                directory,
                team_id,
                user_id,
                notice=notice if index == 0 and user_ids else None,
            )
        except SlackApiError as error:
            log.warning(
                "App Home not republished team=%s user=%s error=%s",
                team_id,
                user_id,
                api_error_code(error),
            )
        except (PeopleUnavailable, PeopleRefused) as error:
            log.warning("App Home not republished team=%s user=%s: %s", team_id, user_id, error)


def republish_after_chat(
    client: WebClient, services: Services, directory: Directory, decision: dict[str, Any]
) -> None:
    """After a chat update was recorded: its author's App Home, and its product owner's."""
    if not decision or decision.get("status") != "recorded":
        return
    prefix = match_prefix(str(decision.get("summary") or ""))
    keys = (prefix[0],) if prefix else ()
    republish_home(client, services, directory, decision["team_id"], decision["user"], keys=keys)


def show_home(
    event: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    *,
    services: Services,
    directory: Directory,
) -> None:
    """app_home_opened: publish the Home tab (the Messages tab needs nothing)."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    publish_home(client, services, directory, str(body.get("team_id") or ""), event["user"])


def _who(body: dict[str, Any]) -> tuple[str, str]:
    """The workspace and person an interactive payload came from."""
    team = body.get("team") or {}
    user = body.get("user") or {}
    return str(team.get("id") or user.get("team_id") or ""), str(user.get("id") or "")


def _pressed(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def press_post_update(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services, directory: Directory
) -> None:
    """Post update on a product: the form, with the product picked."""
    ack()
    team_id, user_id = _who(body)
    open_post_update(
        client,
        services,
        directory,
        trigger_id=str(body.get("trigger_id") or ""),
        team_id=team_id,
        user_id=user_id,
        origin=Origin(via="home"),
        values={"about": _pressed(body)[:20]},
    )


def press_edit_product(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services, directory: Directory
) -> None:
    """Edit product: the form, filled in with the product as it is."""
    ack()
    team_id, user_id = _who(body)
    try:
        key = parse_key(_pressed(body)[:20])
    except InvalidInput as problem:
        republish_home(
            client, services, directory, team_id, user_id, notice=problem_text(problem.message)
        )
        return
    open_edit_product(
        client,
        services,
        directory,
        trigger_id=str(body.get("trigger_id") or ""),
        team_id=team_id,
        user_id=user_id,
        origin=Origin(via="home", key=key),
    )


def proposal_of(value: str) -> tuple[str, str]:
    """The product key and field an Accept or Reject button names (checked, not trusted)."""
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    field = data.get("field") if isinstance(data, dict) else None
    if not isinstance(data, dict) or field not in FUNDING_INPUTS:
        raise InvalidInput("That button is out of date: open the Home tab again.")
    return parse_key(str(data.get("key") or "")[:20]), str(field)


def press_accept(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services, directory: Directory
) -> None:
    """Accept a pending proposal, tell its author, and show the outcome on App Home."""
    ack()
    team_id, user_id = _who(body)
    keys: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    try:
        key, field = proposal_of(_pressed(body))
        keys = (key,)
        actor = directory.actor(client, team_id, user_id)
        decision = services.proposals.accept(actor, key, field)
        told = tell_authors(client, decision)
        refresh_announcements(client, services, team_id, key)  # the DMs that announced it
        authors = tuple(p.author_id for p in decision.proposals)
        notice = notice_text(decision_message(decision, told))
    except FolioError as problem:
        who = problem.who if isinstance(problem, PermissionDenied) else ()
        notice = problem_text(problem.message, who)
    republish_home(
        client, services, directory, team_id, user_id, *authors, keys=keys, notice=notice
    )


def press_reject(
    ack: Ack, body: dict[str, Any], client: WebClient, *, services: Services, directory: Directory
) -> None:
    """Reject a pending proposal: first ask why (the author is told)."""
    ack()
    team_id, user_id = _who(body)
    try:
        key, field = proposal_of(_pressed(body))
    except InvalidInput as problem:
        republish_home(
            client, services, directory, team_id, user_id, notice=problem_text(problem.message)
        )
        return
    open_reject(
        client,
        services,
        directory,
        trigger_id=str(body.get("trigger_id") or ""),
        team_id=team_id,
        user_id=user_id,
        origin=Origin(via="home", key=key, field=field),
    )


def register(app: App, services: Services, directory: Directory) -> None:
    """app_home_opened, and the buttons on App Home (action ids `home_…:KEY`)."""
    app.event("app_home_opened")(partial(show_home, services=services, directory=directory))
    for action, listener in (
        (POST_UPDATE, press_post_update),
        (EDIT_PRODUCT, press_edit_product),
        (ACCEPT, press_accept),
        (REJECT, press_reject),
    ):
        app.action(re.compile(rf"^{action}(:.*)?$"))(
            partial(listener, services=services, directory=directory)
        )
