"""Posting an update from a form (Post update, a message logged with the shortcut).

A form's update is recorded like a chat update: one dated `Update` row with its author,
what it changed (so deleting the logged message retracts it, as in chat) and, for a logged
message, the message it came from. Item status, progress and blocker, product health and
metrics are applied in one transaction, checked like `/roadmap update` and chat updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.commands.update_form import UpdateForm, update_line
from domain.errors import Conflict
from domain.models import MetricSnapshot, Portfolio, Update
from domain.services.access import (
    check_currency,
    item_by_ref,
    item_view,
    product_by_key,
    require_product_editor,
)
from domain.services.clock import Clock
from domain.services.roadmap import apply_item_state
from domain.store import Store, retried
from domain.views import Actor, FieldChange, ItemChange


@dataclass(frozen=True)
class PostedUpdate:
    """What posting an update recorded and changed."""

    update_id: int
    product_key: str
    product_name: str
    owner_id: str | None
    currency: str
    item: ItemChange | None  # the item's changes and how it is now, for an item's update
    product_changes: tuple[FieldChange, ...] = ()  # health
    metrics: tuple[tuple[str, Decimal], ...] = ()
    note: str | None = None


class PostingService:
    """Records the updates people post through forms."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    @retried
    def post(
        self,
        actor: Actor,
        form: UpdateForm,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> PostedUpdate:
        """Record the update; a logged message (channel and ts) is recorded at most once."""
        with self.store.transaction(actor.team_id) as tenant:
            product = tenant.lock(product_by_key(tenant, form.key))
            require_product_editor(tenant, actor, product)
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            if channel_id and message_ts:
                logged = tenant.first(
                    tenant.select(Update).where(
                        Update.channel_id == channel_id,
                        Update.message_ts == message_ts,
                        Update.retracted_at.is_(None),
                    )
                )
                if logged is not None:
                    raise Conflict(
                        f"That message is already recorded as an update ({logged.text[:80]}). "
                        "Edit the message to change it, or post a new update."
                    )
            for name, currency in form.currencies:
                check_currency(portfolio, currency, f"`{name}`")
            item = item_by_ref(tenant, product, form.number) if form.number is not None else None
            now = self.clock()
            changes: dict[str, Any] = {}
            if item is not None:
                changes["item"] = apply_item_state(
                    item,
                    status=form.status,
                    progress=form.progress,
                    blocker=form.blocker,
                    clears_blocker=form.clears_blocker,
                )
                item.updated_at = now
            if form.health is not None and form.health != product.health:
                changes["product"] = {"health": [product.health, form.health]}
                product.health = form.health
            if form.metrics:
                changes["metrics"] = {name: str(value) for name, value in form.metrics}
            update = Update(
                product_id=product.id,
                item_id=item.id if item is not None else None,
                kind="item" if item is not None else "product" if not form.metrics else "metrics",
                author_id=actor.user_id,
                text=update_line(form),
                changes=changes,
                channel_id=channel_id if message_ts else None,
                message_ts=message_ts if channel_id else None,
                created_at=now,
            )
            tenant.add(update)
            tenant.flush()
            for name, value in form.metrics:
                tenant.add(
                    MetricSnapshot(
                        product_id=product.id,
                        update_id=update.id,
                        name=name,
                        value=value,
                        recorded_at=now,
                    )
                )
            product.last_update_at = now
            item_change = None
            if item is not None:
                item_change = ItemChange(
                    product_key=product.key,
                    item=item_view(product.key, item),
                    changed=tuple(
                        FieldChange(name, _value(before), _value(after))
                        for name, (before, after) in changes["item"].items()
                    ),
                )
            return PostedUpdate(
                update_id=update.id,
                product_key=product.key,
                product_name=product.name,
                owner_id=product.owner_id,
                currency=portfolio.currency,
                item=item_change,
                product_changes=tuple(
                    FieldChange(name, before, after)
                    for name, (before, after) in changes.get("product", {}).items()
                ),
                metrics=form.metrics,
                note=form.note,
            )


def _value(value: Any) -> Decimal | str | None:
    """A changed item field as a view value (progress as Decimal, as `/roadmap update` gives)."""
    if value is None or isinstance(value, str | Decimal):
        return value
    return Decimal(value)
