"""Updates typed in chat: record them, re-apply them on edit, retract them on delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from domain.chat_grammar import (
    ChatUpdate,
    FeedbackUpdate,
    ItemUpdate,
    MetricsUpdate,
    ProductUpdate,
    match_prefix,
    parse_chat_update,
)
from domain.chat_grammar.prefix import typed_prefix
from domain.errors import FolioError, PermissionDenied
from domain.models import (
    Feedback,
    MetricSnapshot,
    Portfolio,
    ProcessedEvent,
    Product,
    RoadmapItem,
    Update,
)
from domain.services.access import check_currency, item_by_ref, require_product_editor
from domain.services.clock import Clock
from domain.services.roadmap import apply_item_state, revert_item_state
from domain.store import Store, Tenant, retried
from domain.views import Actor, ChatOutcome
from domain.vocabulary import CLOSED_STATUSES
from domain.words import one_edit_apart

IGNORED = ChatOutcome(status="ignored")


class UpdateService:
    """Turns chat messages into dated updates of products and roadmap items."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    @retried
    def record(
        self, actor: Actor, *, channel_id: str, ts: str, text: str, event_id: str | None = None
    ) -> ChatOutcome:
        """Record a chat update once per Slack event; problems come back as outcomes."""
        try:
            with self.store.transaction(actor.team_id) as tenant:
                if event_id is not None and self._seen(tenant, event_id):
                    return ChatOutcome(status="duplicate")
                return self._record(tenant, actor, channel_id, ts, text)
        except IntegrityError:
            return ChatOutcome(status="duplicate")

    def _seen(self, tenant: Tenant, event_id: str) -> bool:
        if tenant.get(ProcessedEvent, event_id) is not None:
            return True
        tenant.add(
            ProcessedEvent(event_id=event_id, team_id=tenant.team_id, received_at=self.clock())
        )
        tenant.flush()
        return False

    def _record(
        self, tenant: Tenant, actor: Actor, channel_id: str, ts: str, text: str
    ) -> ChatOutcome:
        prefix = match_prefix(text)
        if prefix is None:
            return IGNORED
        product = tenant.first(
            tenant.select(Product).where(Product.key == prefix[0], Product.archived_at.is_(None))
        )
        if product is None:
            return self._unknown_key(tenant, text, prefix)
        product = tenant.lock(product)  # the product first, then its item and updates
        existing = tenant.first(
            tenant.select(Update).where(Update.channel_id == channel_id, Update.message_ts == ts)
        )
        if existing is not None:
            return ChatOutcome(status="duplicate")
        savepoint = tenant.savepoint()
        try:
            parsed = parse_chat_update(text)
            if parsed is None:
                savepoint.rollback()
                return IGNORED
            require_product_editor(tenant, actor, product)
            update = self._apply(tenant, actor, product, parsed, text, channel_id, ts)
            savepoint.commit()
        except PermissionDenied as refusal:
            savepoint.rollback()
            return ChatOutcome(status="problem", problem=refusal.message, who=refusal.who)
        except FolioError as problem:
            savepoint.rollback()
            return ChatOutcome(status="problem", problem=problem.message)
        return ChatOutcome(status="recorded", summary=update.text, details=_details(update))

    @staticmethod
    def _unknown_key(tenant: Tenant, text: str, prefix: tuple[str, int | None, str]) -> ChatOutcome:
        """Silence for `FYI:`; a quiet hint for an archived key or one a typo away from a key."""
        key, number, _ = prefix
        typed = typed_prefix(text) or key
        archived = tenant.first(tenant.select(Product).where(Product.key == key))
        if archived is not None:
            return ChatOutcome(
                status="problem",
                problem=(
                    f"{key} is archived, so `{typed}:` recorded nothing. A portfolio manager "
                    f"can bring it back with `/portfolio restore {key}`."
                ),
            )
        written = typed.split()[0].split("-")[0]
        if len(key) < 3 or not (written.isupper() or number is not None):
            return IGNORED  # `FYI:`, `re:`: ordinary chat
        keys = tenant.scalars(select(Product.key).where(Product.archived_at.is_(None)))
        close = [known for known in keys if one_edit_apart(key, known)]
        if len(close) != 1:
            return IGNORED
        meant = close[0] + typed[len(written) :]
        return ChatOutcome(
            status="problem",
            problem=(
                f"There is no product {key}, so nothing was recorded. Did you mean "
                f"`{meant}:`? Edit your message to record it."
            ),
        )

    def _apply(
        self,
        tenant: Tenant,
        actor: Actor,
        product: Product,
        parsed: ChatUpdate,
        text: str,
        channel_id: str,
        ts: str,
    ) -> Update:
        now = self.clock()
        update = Update(
            product_id=product.id,
            author_id=actor.user_id,
            text=text,
            channel_id=channel_id,
            message_ts=ts,
            created_at=now,
            changes={},
        )
        self._apply_parsed(tenant, product, update, parsed)
        tenant.add(update)
        tenant.flush()
        self._attach_rows(tenant, actor, product, update, parsed)
        product.last_update_at = now
        return update

    def _apply_parsed(
        self, tenant: Tenant, product: Product, update: Update, parsed: ChatUpdate
    ) -> None:
        """Change the product or item and remember what changed, for edits and retractions."""
        if isinstance(parsed, ItemUpdate):
            item = item_by_ref(tenant, product, parsed.number)
            changes = apply_item_state(
                item,
                status=parsed.status,
                progress=parsed.progress,
                blocker=parsed.blocker,
                clears_blocker=parsed.clears_blocker,
            )
            item.updated_at = self.clock()
            update.kind = "item"
            update.item_id = item.id
            update.changes = {"item": changes}
        elif isinstance(parsed, ProductUpdate):
            product_changes: dict[str, list[Any]] = {}
            for name in ("health", "stage"):
                value = getattr(parsed, name)
                if value is not None and getattr(product, name) != value:
                    product_changes[name] = [getattr(product, name), value]
                    setattr(product, name, value)
            update.kind = "product"
            update.changes = {"product": product_changes}
        elif isinstance(parsed, MetricsUpdate):
            portfolio = tenant.get(Portfolio, product.portfolio_id)
            assert portfolio is not None
            for name, currency in parsed.currencies:
                check_currency(portfolio, currency, f"`{name}`")
            update.kind = "metrics"
            update.changes = {"metrics": {n: str(v) for n, v in parsed.metrics}}
        else:
            update.kind = "feedback"

    def _attach_rows(
        self, tenant: Tenant, actor: Actor, product: Product, update: Update, parsed: ChatUpdate
    ) -> None:
        if isinstance(parsed, MetricsUpdate):
            for name, value in parsed.metrics:
                tenant.add(
                    MetricSnapshot(
                        product_id=product.id,
                        update_id=update.id,
                        name=name,
                        value=value,
                        recorded_at=update.created_at,
                    )
                )
        elif isinstance(parsed, FeedbackUpdate):
            tenant.add(
                Feedback(
                    product_id=product.id,
                    update_id=update.id,
                    author_id=actor.user_id,
                    text=parsed.text,
                    created_at=update.created_at,
                )
            )

    @retried
    def attach_permalink(self, team_id: str, update_id: int, permalink: str) -> None:
        """Remember the link back to the Slack message an update came from."""
        with self.store.transaction(team_id) as tenant:
            update = tenant.first(tenant.select(Update).where(Update.id == update_id))
            if update is not None:
                update.permalink = permalink

    @retried
    def edit(
        self, actor: Actor, *, channel_id: str, ts: str, text: str, event_id: str | None = None
    ) -> ChatOutcome:
        """Re-apply an edited message: undo what the old text did, then apply the new text."""
        try:
            with self.store.transaction(actor.team_id) as tenant:
                if event_id is not None and self._seen(tenant, event_id):
                    return ChatOutcome(status="duplicate")
                update = tenant.first(
                    tenant.select(Update).where(
                        Update.channel_id == channel_id, Update.message_ts == ts
                    )
                )
                if update is None:
                    # An edit can turn an ordinary message into an update.
                    return self._record(tenant, actor, channel_id, ts, text)
                if update.author_id != actor.user_id:
                    return IGNORED
                product = tenant.get(Product, update.product_id)
                assert product is not None
                product = tenant.lock(product)  # the product first, then the update
                update = tenant.lock(update)
                prefix = match_prefix(text)
                if prefix is None or prefix[0] != product.key:
                    self._undo(tenant, update)
                    update.retracted_at = self.clock()
                    return ChatOutcome(status="recorded", summary="retracted")
                savepoint = tenant.savepoint()
                try:
                    parsed = parse_chat_update(text)
                    if parsed is None:
                        savepoint.rollback()
                        return IGNORED
                    self._undo(tenant, update)
                    self._apply_parsed(tenant, product, update, parsed)
                    self._attach_rows(tenant, actor, product, update, parsed)
                    savepoint.commit()
                except FolioError as problem:
                    savepoint.rollback()
                    return ChatOutcome(status="problem", problem=problem.message)
                update.text = text
                update.edited_at = self.clock()
                update.retracted_at = None
                return ChatOutcome(status="recorded", summary=text, details=_details(update))
        except IntegrityError:
            return ChatOutcome(status="duplicate")

    @retried
    def retract(
        self, team_id: str, *, channel_id: str, ts: str, event_id: str | None = None
    ) -> ChatOutcome:
        """A deleted message retracts its update: changes still current are undone."""
        try:
            with self.store.transaction(team_id) as tenant:
                if event_id is not None and self._seen(tenant, event_id):
                    return ChatOutcome(status="duplicate")
                update = tenant.first(
                    tenant.select(Update).where(
                        Update.channel_id == channel_id,
                        Update.message_ts == ts,
                        Update.retracted_at.is_(None),
                    )
                )
                if update is None:
                    return IGNORED
                product = tenant.get(Product, update.product_id)
                assert product is not None
                tenant.lock(product)  # the product first, then the update
                update = tenant.lock(update)
                if update.retracted_at is not None:
                    return IGNORED  # retracted while we waited for the lock
                self._undo(tenant, update)
                update.retracted_at = self.clock()
                return ChatOutcome(status="recorded", summary="retracted")
        except IntegrityError:
            return ChatOutcome(status="duplicate")

    def _undo(self, tenant: Tenant, update: Update) -> None:
        changes = update.changes or {}
        if "item" in changes and update.item_id is not None:
            item = tenant.get(RoadmapItem, update.item_id)
            if item is not None:
                revert_item_state(item, changes["item"])
        if "product" in changes:
            product = tenant.get(Product, update.product_id)
            if product is not None:
                for name, (before, after) in changes["product"].items():
                    if getattr(product, name) == after:
                        setattr(product, name, before)
        for model in (MetricSnapshot, Feedback):
            tenant.execute(delete(model).where(model.update_id == update.id))
        update.changes = {}


def _details(update: Update) -> dict[str, str]:
    """What the acknowledgement needs: the update's id, and the closed status it reopened."""
    details = {"update_id": str(update.id)}
    status = ((update.changes or {}).get("item") or {}).get("status")
    if status and status[0] in CLOSED_STATUSES and status[1] not in CLOSED_STATUSES:
        details["reopened"] = str(status[0])
        details["status"] = str(status[1])
    return details
