"""Opening a form: views.open with the trigger at once, then load it and views.update.

Slack's trigger_id lasts 3 seconds, so a loading modal opens before anything is looked up
(the person, the products); the form replaces it once loaded. A refusal (not a portfolio
manager, nothing to pick, Folio not set up) replaces it instead, saying who can.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.errors import FolioError, PermissionDenied
from domain.services import Services
from domain.services.choices import Choices
from domain.views import Actor
from handlers.delivery.errors import api_error_code
from handlers.directory import Directory
from handlers.modals import elements as el
from handlers.modals import forms
from handlers.modals.ids import Origin, encode
from handlers.render import escape
from handlers.replies import problem_text

log = logging.getLogger("folio.modals")
NOTHING_TO_UPDATE = (
    "You don't own a product yet, so there is nothing to post an update about. A portfolio "
    "manager makes you a product's owner with `/portfolio set CHK | owner @you`."
)


def open_loading(client: WebClient, trigger_id: str, title: str) -> str | None:
    """Open a loading modal with the trigger; its view id, or None when Slack refused."""
    try:
        response = client.views_open(trigger_id=trigger_id, view=el.loading(title))
    except SlackApiError as error:
        log.warning("views.open refused title=%s error=%s", title, api_error_code(error))
        return None
    view = response.get("view") or {}
    return str(view.get("id") or "") or None


def open_form(
    client: WebClient,
    trigger_id: str,
    title: str,
    load: Callable[[], dict[str, Any]],
) -> bool:
    """Open first, then load and fill the modal; False when Slack wouldn't open it."""
    view_id = open_loading(client, trigger_id, title)
    if view_id is None:
        return False
    try:
        view = load()
    except FolioError as problem:
        who = problem.who if isinstance(problem, PermissionDenied) else ()
        view = el.notice(title, problem_text(problem.message, who))
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as error:  # closed while it loaded (not_found): nothing to show
        log.info("views.update refused title=%s error=%s", title, api_error_code(error))
    return True


def open_add_product(
    client: WebClient,
    services: Services,
    directory: Directory,
    *,
    trigger_id: str,
    team_id: str,
    user_id: str,
    origin: Origin,
) -> bool:
    """`/portfolio add` with nothing after it: the Add a product form."""

    def load() -> dict[str, Any]:
        actor = directory.actor(client, team_id, user_id)
        portfolio = services.choices.new_product(actor, origin.channel_id)
        return forms.add_product(portfolio, encode(origin))

    return open_form(client, trigger_id, "Add a product", load)


def open_add_item(
    client: WebClient,
    services: Services,
    directory: Directory,
    *,
    trigger_id: str,
    team_id: str,
    user_id: str,
    origin: Origin,
) -> bool:
    """`/roadmap add` with nothing after it: the Add a roadmap item form."""

    def load() -> dict[str, Any]:
        actor = directory.actor(client, team_id, user_id)
        products = services.choices.targets(actor, items=False)
        if not products.total:
            return el.notice("Add a roadmap item", escape(NOTHING_TO_UPDATE))
        return forms.add_item(products, encode(origin), initial=origin.key)

    return open_form(client, trigger_id, "Add a roadmap item", load)


def open_post_update(
    client: WebClient,
    services: Services,
    directory: Directory,
    *,
    trigger_id: str,
    team_id: str,
    user_id: str,
    origin: Origin,
    values: Mapping[str, str] | None = None,
    problem: str | None = None,
) -> bool:
    """The Post update form, with the product or item (`values["about"]`) picked if given."""

    def load() -> dict[str, Any]:
        actor = directory.actor(client, team_id, user_id)
        choices = with_initial(services, actor, (values or {}).get("about"))
        if not choices.total:
            return el.notice("Post an update", escape(NOTHING_TO_UPDATE))
        return forms.post_update(choices, encode(origin), values=values, problem=problem)

    return open_form(client, trigger_id, "Post an update", load)


def with_initial(services: Services, actor: Actor, about: str | None) -> Choices:
    """The person's update targets, including the one to preselect even past the first 100."""
    choices = services.choices.targets(actor)
    if not about or any(c.value == about for c in choices.choices):
        return choices
    found = [c for c in services.choices.targets(actor, about, limit=5).choices if c.value == about]
    return Choices(choices.choices + tuple(found), choices.total)


def open_edit_product(
    client: WebClient,
    services: Services,
    directory: Directory,
    *,
    trigger_id: str,
    team_id: str,
    user_id: str,
    origin: Origin,
) -> bool:
    """The Edit product form for `origin.key`, filled in with the product as it is."""
    title = f"Edit {origin.key or 'product'}"

    def load() -> dict[str, Any]:
        actor = directory.actor(client, team_id, user_id)
        services.choices.editable(actor, origin.key or "")
        card = services.products.show(actor, origin.key or "")
        manager = services.choices.is_manager(actor)
        return forms.edit_product(card, encode(origin), manager=manager)

    return open_form(client, trigger_id, title, load)


def open_reject(
    client: WebClient,
    services: Services,
    directory: Directory,
    *,
    trigger_id: str,
    team_id: str,
    user_id: str,
    origin: Origin,
) -> bool:
    """Reject a pending proposal (`origin.key`, `origin.field`), asking why."""

    def load() -> dict[str, Any]:
        actor = directory.actor(client, team_id, user_id)
        found = services.choices.proposal(actor, origin.key or "", origin.field or "")
        if found is None:
            return el.notice(
                "Reject a proposal",
                f"That proposal was decided already (or withdrawn): nothing to reject for "
                f"*{escape(origin.key or '')}*. `/portfolio proposals` lists the pending ones.",
            )
        return forms.reject(found, encode(origin))

    return open_form(client, trigger_id, "Reject a proposal", load)
