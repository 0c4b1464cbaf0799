"""Submitted forms that stand for a typed command: Add a product, Add a roadmap item, Edit, Reject.

Each field is first read alone with the grammar's reader for it, so a mistake is shown next
to its field (`response_action: errors`) in the command's words. The form then runs the very
subcommand it stands for (`/portfolio add`, `/roadmap add`, `/portfolio set`, `/portfolio
reject`) with the fields as its `| field value` parts: same services, same checks, same
answer, given where the command's would be (handlers.modals.confirm).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.commands.portfolio import parse_product_fields
from domain.commands.roadmap import parse_item_fields
from domain.errors import Conflict, FolioError, InvalidInput, NotFound
from domain.grammar import CommandText, parse_key
from domain.services import Services
from domain.vocabulary import FUNDING_INPUT_FIELDS, FUNDING_INPUTS
from handlers import products, proposals, roadmap
from handlers.commands import HELP, CommandSet, Handler, Reply, Request
from handlers.directory import Directory, PeopleRefused, PeopleUnavailable
from handlers.home import republish_home
from handlers.modals.confirm import deliver, notice_text
from handlers.modals.forms import product_values
from handlers.modals.ids import Origin, decode
from handlers.modals.values import error_text, field_for, form_values

log = logging.getLogger("folio.modals")
PRODUCT_FORM: tuple[str, ...] = ("key", "name", "owner", "investment", "return", "confidence")
PRODUCT_FORM += ("category", "stage", "health", "cashflows", "objective")
ITEM_FORM = ("product", "title", "target", "why", "objective")
# Words in a service's message that say which field it is about.
MENTIONS = {
    "investment": "investment",
    "expected return": "return",
    "cash flow": "cashflows",
    "objective": "objective",
    "owner": "owner",
    "name": "name",
    "category": "category",
    "title": "title",
    "target": "target",
    "reason": "why",
}


@dataclass(frozen=True)
class Submission:
    """One submitted form: who, from where, what was filled in, and what it runs on."""

    team_id: str
    user_id: str
    origin: Origin
    values: dict[str, str]
    client: WebClient
    services: Services
    directory: Directory
    commands: CommandSet

    def request(self, verb: str, head: str, fields: Sequence[tuple[str, str]]) -> Request:
        """The subcommand request this form stands for."""
        return Request(
            actor=self.directory.actor(self.client, self.team_id, self.user_id),
            channel_id=self.origin.channel_id or "",
            cmd=CommandText(verb=verb, head=head, fields=tuple(fields)),
            services=self.services,
            client=self.client,
            directory=self.directory,
            commands=self.commands,
        )

    def name_of(self, user_id: str) -> str:
        """A person's name for an error next to a field (plain text shows no mentions)."""
        try:
            return "@" + self.directory.person(self.client, self.team_id, user_id).name
        except (PeopleUnavailable, PeopleRefused, SlackApiError):  # the id still says who
            return user_id


def submission(
    body: Mapping[str, Any],
    client: WebClient,
    services: Services,
    directory: Directory,
    commands: CommandSet,
) -> Submission:
    """Read a view_submission: its workspace and person, origin and fields."""
    team = body.get("team") or {}
    user = body.get("user") or {}
    view = body.get("view") or {}
    return Submission(
        team_id=str(team.get("id") or user.get("team_id") or ""),
        user_id=str(user.get("id") or ""),
        origin=decode(view.get("private_metadata")),
        values=form_values(view),
        client=client,
        services=services,
        directory=directory,
        commands=commands,
    )


def read_fields(
    values: Mapping[str, str], readers: Mapping[str, Callable[[str], object]]
) -> dict[str, str]:
    """Each filled-in field read alone; the problems by field."""
    errors: dict[str, str] = {}
    for field, reader in readers.items():
        if field in values:
            try:
                reader(values[field])
            except InvalidInput as problem:
                errors[field] = problem.message
    return errors


def place(problem: FolioError, fields: Sequence[str], first: str) -> str:
    """The field of the form a refusal belongs next to."""
    if isinstance(problem, InvalidInput | NotFound):
        said = problem.message.lower()
        for words, field in MENTIONS.items():
            if field in fields and words in said:
                return field
    return field_for(problem, {Conflict: first}, first)


def run(
    ack: Ack,
    sub: Submission,
    handler: Handler,
    req: Callable[[], Request],
    *,
    fields: Sequence[str],
    key: str,
    what: str,
) -> None:
    """Run the subcommand; answer the form with its refusal, or close it and answer as it does."""
    try:
        reply = handler(req())
    except FolioError as problem:
        field = place(problem, fields, fields[0])
        ack(response_action="errors", errors={field: error_text(problem, sub.name_of)})
        return
    ack()
    finish(sub, reply, keys=(key,), what=what)


def finish(sub: Submission, reply: Reply, *, keys: Sequence[str], what: str) -> None:
    """Give the answer where the command's would be, then republish App Home."""
    answered = deliver(
        sub.client,
        sub.origin,
        team_id=sub.team_id,
        user_id=sub.user_id,
        message=reply.message,
        in_channel=reply.in_channel,
        what=what,
    )
    notice = None if answered else notice_text(reply.message)
    republish_home(
        sub.client, sub.services, sub.directory, sub.team_id, sub.user_id, keys=keys, notice=notice
    )


def product_readers(commands: CommandSet) -> dict[str, Callable[[str], object]]:
    """How Add a product reads each field (as `/portfolio add KEY Name | field value`)."""

    def key(text: str) -> str:
        word = parse_key(text)
        commands.refuse_reserved(word, "a product key")
        return word

    def name(text: str) -> object:
        fields = parse_product_fields({"name": text})
        if (fields.name or "").lower() == HELP:
            commands.refuse_reserved(fields.name, "a product name")
        return fields

    readers: dict[str, Callable[[str], object]] = {"key": key, "name": name}
    for field in PRODUCT_FORM[2:]:
        readers[field] = partial(_one, parse_product_fields, field)
    return readers


def _one(parse: Callable[[dict[str, str]], object], field: str, text: str) -> object:
    """A `| field value` reader applied to one field alone."""
    return parse({field: text})


def submit_add_product(ack: Ack, sub: Submission) -> None:
    """Add a product: `/portfolio add KEY Name | owner … | investment …`."""
    errors = read_fields(sub.values, product_readers(sub.commands))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    key = sub.values.get("key", "").upper()
    head = f"{key} {sub.values.get('name', '')}".strip()
    parts = [(f, sub.values[f]) for f in PRODUCT_FORM[2:] if f in sub.values]
    run(
        ack,
        sub,
        products.add_product,
        lambda: sub.request("add", head, parts),
        fields=PRODUCT_FORM,
        key=key,
        what="/portfolio add (form)",
    )


def submit_add_item(ack: Ack, sub: Submission) -> None:
    """Add a roadmap item: `/roadmap add KEY Title | target … | why … | objective …`."""

    def title(text: str) -> object:
        fields = parse_item_fields({"title": text})
        if (fields.title or "").lower() == HELP:
            sub.commands.refuse_reserved(fields.title, "an item's title")
        return fields

    readers: dict[str, Callable[[str], object]] = {"product": parse_key, "title": title}
    for field in ITEM_FORM[2:]:
        readers[field] = partial(_one, parse_item_fields, field)
    errors = read_fields(sub.values, readers)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    key = sub.values.get("product", "").upper()
    head = f"{key} {sub.values.get('title', '')}".strip()
    parts = [(f, sub.values[f]) for f in ITEM_FORM[2:] if f in sub.values]
    run(
        ack,
        sub,
        roadmap.add_item,
        lambda: sub.request("add", head, parts),
        fields=ITEM_FORM,
        key=key,
        what="/roadmap add (form)",
    )


def submit_edit_product(ack: Ack, sub: Submission) -> None:
    """Edit product: `/portfolio set KEY | field value …` with the fields that changed."""
    fields = ("name", *PRODUCT_FORM[2:], "why")
    try:
        key = parse_key(sub.origin.key or "")
        actor = sub.directory.actor(sub.client, sub.team_id, sub.user_id)
        before = product_values(sub.services.products.show(actor, key))
    except FolioError as problem:
        ack(response_action="errors", errors={"name": error_text(problem, sub.name_of)})
        return
    changed = [
        (f, sub.values[f]) for f in fields if f in sub.values and sub.values[f] != before.get(f)
    ]
    if "objective" in before and "objective" not in sub.values:
        changed.append(("objective", "none"))  # emptied: the product leaves its objectives
    readers = {f: partial(_one, parse_product_fields, f) for f, _ in changed if f != "why"}
    errors = read_fields(dict(changed), readers)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    run(
        ack,
        sub,
        products.set_product,
        lambda: sub.request("set", key, changed),
        fields=fields,
        key=key,
        what="/portfolio set (form)",
    )


def submit_reject(ack: Ack, sub: Submission) -> None:
    """Reject a proposal: `/portfolio reject KEY FIELD | why …`."""
    field = sub.origin.field if sub.origin.field in FUNDING_INPUTS else None
    try:
        key = parse_key(sub.origin.key or "")
        if field is None:
            raise InvalidInput("That form is out of date: open the Home tab again.")
    except InvalidInput as problem:
        ack(response_action="errors", errors={"why": problem.message})
        return
    head = f"{key} {FUNDING_INPUT_FIELDS[field]}"
    parts = [("why", sub.values["why"])] if "why" in sub.values else []
    run(
        ack,
        sub,
        proposals.reject_proposal,
        lambda: sub.request("reject", head, parts),
        fields=("why",),
        key=key,
        what="/portfolio reject (form)",
    )
