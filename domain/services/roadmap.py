"""Roadmap use cases: list a product's items, add items, update their status and scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from domain.commands.roadmap import ItemFields, Method
from domain.models import (
    Objective,
    Product,
    RoadmapItem,
    Update,
)
from domain.money import plain_decimal
from domain.prioritisation import ItemScore, Score, rank_items, rice, wsjf
from domain.services.access import (
    item_by_ref,
    item_view,
    objective_by_key,
    product_by_key,
    require_product_editor,
)
from domain.services.clock import Clock
from domain.store import Store, Tenant, retried
from domain.views import (
    Actor,
    FieldChange,
    FieldValue,
    ItemChange,
    ItemDetail,
    RoadmapView,
    UpdateView,
)
from domain.vocabulary import ITEM_FIELD_LABELS, OPEN_STATUSES

ITEM_UPDATES = 10  # updates an item's detail view lists, newest first
STATUS_ORDER = {"in progress": 0, "testing": 1, "planned": 2, "idea": 3, "done": 4, "dropped": 5}
SCORE_FIELDS = {
    "reach": "reach",
    "impact": "impact",
    "confidence": "rice_confidence",
    "effort": "effort",
    "value": "business_value",
    "time_criticality": "time_criticality",
    "risk_reduction": "risk_reduction",
    "job_size": "job_size",
}


@dataclass(frozen=True)
class ItemRankRow:
    position: int | None  # None: not scored (inputs missing)
    ref: str
    title: str
    status: str
    value: Decimal | None
    missing: tuple[str, ...]
    inputs: tuple[tuple[str, Decimal, bool], ...]  # (name, value, is a percentage) present


@dataclass(frozen=True)
class RoadmapRanking:
    key: str
    name: str
    method: Method
    rows: tuple[ItemRankRow, ...]

    @property
    def unscored(self) -> int:
        """How many open items still miss an input."""
        return sum(1 for row in self.rows if row.value is None)


def apply_item_state(
    item: RoadmapItem,
    *,
    status: str | None,
    progress: int | None,
    blocker: str | None,
    clears_blocker: bool,
) -> dict[str, list[Any]]:
    """Apply status, progress and blocker to an item; return {field: [before, after]}."""
    changes: dict[str, list[Any]] = {}

    def put(name: str, value: Any) -> None:
        before = getattr(item, name)
        if before != value:
            changes[name] = [before, value]
            setattr(item, name, value)

    if status is not None:
        put("status", status)
        if status == "done" and progress is None:
            progress = 100
    if progress is not None:
        put("progress", progress)
    if blocker is not None:
        put("blocker", blocker)
    elif clears_blocker:
        put("blocker", None)
    return changes


def revert_item_state(item: RoadmapItem, changes: dict[str, list[Any]]) -> None:
    """Undo recorded changes that are still current (a later update wins)."""
    for name, (before, after) in changes.items():
        if getattr(item, name) == after:
            setattr(item, name, before)


class RoadmapService:
    """What product managers do with roadmaps."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def roadmap(self, actor: Actor, key: str) -> RoadmapView:
        """A product's roadmap: open items first by status, then done and dropped."""
        with self.store.read(actor.team_id) as tenant:
            product = product_by_key(tenant, key)
            rows = list(
                tenant.execute(
                    select(RoadmapItem, Objective.key)
                    .outerjoin(Objective, Objective.id == RoadmapItem.objective_id)
                    .where(RoadmapItem.product_id == product.id)
                ).all()
            )
            rows.sort(
                key=lambda r: (
                    STATUS_ORDER.get(r[0].status, 9),
                    r[0].target_due is None,
                    r[0].target_due,
                    r[0].number,
                )
            )
            return RoadmapView(
                key=product.key,
                name=product.name,
                owner_id=product.owner_id,
                items=tuple(item_view(product.key, item, okey) for item, okey in rows),
                today=self.clock().date(),
            )

    def item(self, actor: Actor, key: str, number: int) -> ItemDetail:
        """One item in full: why, target, blocker, scoring inputs and the updates about it."""
        with self.store.read(actor.team_id) as tenant:
            product = product_by_key(tenant, key)
            item = item_by_ref(tenant, product, number)
            shown = (
                tenant.select(Update)
                .where(Update.item_id == item.id, Update.retracted_at.is_(None))
                .order_by(Update.created_at.desc(), Update.id.desc())
            )
            updates = tenant.all(shown.limit(ITEM_UPDATES))
            count = tenant.scalar(
                select(func.count())
                .select_from(Update)
                .where(Update.item_id == item.id, Update.retracted_at.is_(None))
            )
            return ItemDetail(
                product_key=product.key,
                product_name=product.name,
                owner_id=product.owner_id,
                item=item_view(product.key, item, self._objective_key(tenant, item)),
                rice_inputs=_inputs(item, "rice"),
                wsjf_inputs=_inputs(item, "wsjf"),
                rice=_score(item, "rice"),
                wsjf=_score(item, "wsjf"),
                updates=tuple(
                    UpdateView(
                        at=u.created_at,
                        author_id=u.author_id,
                        text=u.text,
                        permalink=u.permalink,
                        edited=u.edited_at is not None,
                    )
                    for u in updates
                ),
                update_count=count or 0,
                created_at=item.created_at,
                today=self.clock().date(),
            )

    @retried
    def add(self, actor: Actor, key: str, fields: ItemFields) -> ItemChange:
        """Add an item to a product's roadmap, numbered KEY-N."""
        with self.store.transaction(actor.team_id) as tenant:
            # The product row is locked before its next item number is read and moved on.
            product = tenant.lock(product_by_key(tenant, key))
            require_product_editor(tenant, actor, product)
            objective = objective_by_key(tenant, fields.objective) if fields.objective else None
            now = self.clock()
            item = RoadmapItem(
                product_id=product.id,
                number=product.next_item_number,
                title=fields.title or "Untitled",
                why=fields.why,
                target_label=fields.target.label if fields.target else None,
                target_due=fields.target.due if fields.target else None,
                status=fields.status or "planned",
                progress=fields.progress or 0,
                objective_id=objective.id if objective else None,
                created_at=now,
                updated_at=now,
            )
            product.next_item_number += 1
            tenant.add(item)
            tenant.flush()
            return ItemChange(
                product_key=product.key,
                item=item_view(product.key, item, fields.objective),
                created=True,
            )

    @retried
    def update(self, actor: Actor, key: str, number: int, fields: ItemFields) -> ItemChange:
        """Update an item's status, progress, blocker, target or scoring inputs."""
        with self.store.transaction(actor.team_id) as tenant:
            product = tenant.lock(product_by_key(tenant, key))  # the product, then its item
            item = item_by_ref(tenant, product, number)
            require_product_editor(tenant, actor, product)
            now = self.clock()
            changes = apply_item_state(
                item,
                status=fields.status,
                progress=fields.progress,
                blocker=fields.blocker,
                clears_blocker=fields.clears_blocker,
            )
            objective_key = self._objective_key(tenant, item)
            if fields.objective is not None:
                objective = objective_by_key(tenant, fields.objective)
                if item.objective_id != objective.id:
                    changes["objective"] = [objective_key, objective.key]
                item.objective_id = objective.id
                objective_key = objective.key
            for name in ("title", "why"):
                value = getattr(fields, name)
                if value is not None and value != getattr(item, name):
                    changes[name] = [getattr(item, name), value]
                    setattr(item, name, value)
            if fields.target is not None and fields.target.label != item.target_label:
                changes["target"] = [item.target_label, fields.target.label]
                item.target_label = fields.target.label
                item.target_due = fields.target.due
            for name, column in SCORE_FIELDS.items():
                value = getattr(fields, name)
                if value is not None and value != getattr(item, column):
                    changes[name] = [getattr(item, column), value]
                    setattr(item, column, value)
            item.updated_at = now
            self._log(tenant, actor, product, item, fields, changes, now)
            return ItemChange(
                product_key=product.key,
                item=item_view(product.key, item, objective_key),
                changed=tuple(
                    FieldChange(k, _value(b), _value(a)) for k, (b, a) in changes.items()
                ),
            )

    @staticmethod
    def _objective_key(tenant: Tenant, item: RoadmapItem) -> str | None:
        if item.objective_id is None:
            return None
        objective = tenant.get(Objective, item.objective_id)
        return objective.key if objective else None

    @staticmethod
    def _log(
        tenant: Tenant,
        actor: Actor,
        product: Product,
        item: RoadmapItem,
        fields: ItemFields,
        changes: dict[str, list[Any]],
        now: datetime,
    ) -> None:
        if not changes and not fields.note:
            return
        words = [
            f"{ITEM_FIELD_LABELS.get(k, k)} {_record_text(k, v[1])}" for k, v in changes.items()
        ]
        if fields.note:
            words.append(fields.note)
        tenant.add(
            Update(
                product_id=product.id,
                item_id=item.id,
                kind="item",
                author_id=actor.user_id,
                text=f"{product.key}-{item.number}: " + ", ".join(words),
                changes={"item": {k: [_json(v[0]), _json(v[1])] for k, v in changes.items()}},
                created_at=now,
            )
        )
        product.last_update_at = now

    def rank(self, actor: Actor, key: str, method: Method) -> RoadmapRanking:
        """A product's open roadmap items ranked by RICE or WSJF; missing inputs are named."""
        with self.store.read(actor.team_id) as tenant:
            product = product_by_key(tenant, key)
            items = tenant.all(
                tenant.select(RoadmapItem).where(
                    RoadmapItem.product_id == product.id,
                    RoadmapItem.status.in_(OPEN_STATUSES),
                )
            )
            by_ref = {f"{product.key}-{item.number}": item for item in items}
            scored = [
                ItemScore(ref, item.title, _score(item, method)) for ref, item in by_ref.items()
            ]
            rows: list[ItemRankRow] = []
            position = 0
            for entry in rank_items(scored):
                item = by_ref[entry.ref]
                if entry.score.value is not None:
                    position += 1
                rows.append(
                    ItemRankRow(
                        position=position if entry.score.value is not None else None,
                        ref=entry.ref,
                        title=entry.title,
                        status=item.status,
                        value=entry.score.value,
                        missing=entry.score.missing,
                        inputs=_inputs(item, method),
                    )
                )
            return RoadmapRanking(product.key, product.name, method, tuple(rows))


def _value(value: Any) -> FieldValue:
    """A changed item field as a view value (progress and numbers as Decimal)."""
    if value is None or isinstance(value, str | Decimal):
        return value
    return Decimal(value)


def _record_text(name: str, value: Any) -> str:
    """A changed value as the update's history line records it: `80%`, `2000`, `none`."""
    if value is None:
        return "cleared" if name == "blocker" else "none"
    if name == "confidence":
        return f"{plain_decimal(Decimal(value) * 100)}%"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (int, str, bool)):
        return value
    return str(value)


def _score(item: RoadmapItem, method: Method) -> Score:
    if method == "rice":
        return rice(item.reach, item.impact, item.rice_confidence, item.effort)
    return wsjf(item.business_value, item.time_criticality, item.risk_reduction, item.job_size)


def _inputs(item: RoadmapItem, method: Method) -> tuple[tuple[str, Decimal, bool], ...]:
    if method == "rice":
        named: list[tuple[str, Decimal | None, str]] = [
            ("reach", item.reach, ""),
            ("impact", item.impact, ""),
            ("confidence", item.rice_confidence, "%"),
            ("effort", item.effort, ""),
        ]
    else:
        named = [
            ("value", item.business_value, ""),
            ("criticality", item.time_criticality, ""),
            ("risk", item.risk_reduction, ""),
            ("size", item.job_size, ""),
        ]
    return tuple((name, value, unit == "%") for name, value, unit in named if value is not None)
