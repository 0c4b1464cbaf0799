"""`products.alignment_key` stays the summed weight of a product's objectives after any write.

The key is kept by database triggers (domain.models.alignment), so after every kind of write
(links set through a service, imported, inserted, deleted or moved in bulk with Core; an
objective's weight changed or the objective removed, by a service or by a cascading Core
DELETE; a product archived, moved, deleted or inserted with a wrong key) every product's key
is compared with the sum recomputed in Python from the links and weights (`alignment_true`).
"""

from __future__ import annotations

import itertools
import time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from domain.commands.portfolio import ProductFields, RankRequest, SetupRequest
from domain.errors import FolioError
from domain.models import Objective, Portfolio, Product, ProductObjective, Workspace
from domain.services import Services
from domain.store import Store
from domain.views import Actor
from tests.integration.test_npv_keys import in_thread
from tests.integration.test_ranking_keys import both_ways
from tests.integration.test_score_page import taken_in_sql
from tests.support.portfolios import move_to_another_portfolio

_teams = itertools.count()
SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
SCALE = Decimal(10_000)
WEIGHTS = st.sampled_from([Decimal(v) for v in ("1", "0.5", "0.3333", "2.5", "0.0001", "1000")])
PRODUCT = st.integers(min_value=0, max_value=7)
OBJECTIVE = st.integers(min_value=0, max_value=4)
OBJECTIVES = st.sets(OBJECTIVE, max_size=4)


def alignment_true(store: Store, team: str) -> dict[str, int]:
    """Assert every product's stored key is its links' summed weight × 10^4; return the keys."""
    with store.read(team) as tenant:
        weights = dict(tenant.execute(select(Objective.id, Objective.weight)).all())
        links = tenant.execute(
            select(ProductObjective.product_id, ProductObjective.objective_id)
        ).all()
        stored = tenant.execute(select(Product.id, Product.key, Product.alignment_key)).all()
    expected: dict[int, Decimal] = {}
    for product_id, objective_id in links:
        expected[product_id] = expected.get(product_id, Decimal(0)) + weights[objective_id]
    for product_id, key, kept in stored:
        assert kept == expected.get(product_id, Decimal(0)) * SCALE, key
    return {key: kept for _, key, kept in stored}


class Aligned:
    """A fresh workspace: portfolios Main (the default) and Side, objectives O0-O4 (weights
    1, 0.5, 0.3333, 2.5, 0.0001) and products K0-K3 in Main, linked to some of them."""

    def __init__(self, services: Services, store: Store) -> None:
        self.services, self.store = services, store
        self.team = f"T0ALIGN{next(_teams)}"
        self.boss = Actor(team_id=self.team, user_id="U0BOSS", is_admin=True)
        for name in ("Main", "Side"):
            services.portfolios.setup(self.boss, SetupRequest(name, None, None, None))
        self.objectives: list[str] = []
        for weight in ("1", "0.5", "0.3333", "2.5", "0.0001"):
            self.add_objective(Decimal(weight))
        self.products: list[str] = []
        self.made = itertools.count()  # new keys, never one a deleted product had
        for index in range(4):
            self.products.append(f"K{index}")
            fields = ProductFields(
                investment=(Decimal(100 + index), None),
                expected_return=(Decimal(150 + 7 * index), None),
                objectives=tuple(self.objectives[: index + 1]),
            )
            services.products.add_product(self.boss, None, f"K{index}", fields)

    def add_objective(self, weight: Decimal) -> None:
        key = f"O{len(self.objectives)}"
        self.services.objectives.add_objective(self.boss, key, key, weight)
        self.objectives.append(key)

    def product(self, index: int) -> str:
        return self.products[index % len(self.products)]

    def objective(self, index: int) -> str:
        return self.objectives[index % len(self.objectives)]

    def ids(self, model: Any, keys: list[str]) -> list[int]:
        with self.store.read(self.team) as tenant:
            return tenant.scalars(select(model.id).where(model.key.in_(keys)).order_by(model.id))

    def write(self, kind: str, *args: Any) -> None:
        services, boss = self.services, self.boss
        if kind == "link":  # the service: a Core DELETE of the links, ORM INSERTs
            chosen = tuple(sorted({self.objective(o) for o in args[1]}))
            services.products.set_product(
                boss, self.product(args[0]), ProductFields(objectives=chosen)
            )
        elif kind == "weight":  # an ORM UPDATE of one objective
            services.objectives.set_objective(
                boss, self.objective(args[0]), title=None, weight=args[1]
            )
        elif kind == "reweigh all":  # one Core UPDATE of every objective's weight
            with self.store.transaction(self.team) as tenant:
                tenant.execute(update(Objective).values(weight=Objective.weight + args[0]))
        elif kind == "remove objective":  # the service: ORM DELETEs of the links, then of it
            services.objectives.remove_objective(boss, self.objective(args[0]))
            self.objectives.remove(self.objective(args[0]))
        elif kind == "cascade objective":  # a Core DELETE: the links go by ON DELETE CASCADE
            key = self.objective(args[0])
            with self.store.transaction(self.team) as tenant:
                tenant.execute(delete(Objective).where(Objective.key == key))
            self.objectives.remove(key)
        elif kind == "add objective":
            self.add_objective(args[0])
        elif kind == "bulk link":  # one Core INSERT of many links (a multi-row page on PG)
            self.bulk_link(args[0])
        elif kind == "bulk unlink":  # one Core DELETE over several products
            ids = self.ids(Product, [self.product(p) for p in args[0]])
            with self.store.transaction(self.team) as tenant:
                tenant.execute(delete(ProductObjective).where(ProductObjective.product_id.in_(ids)))
        elif kind == "relink":  # one Core UPDATE moving links from one objective to another
            self.relink(self.objective(args[0]), self.objective(args[1]))
        elif kind == "archive":
            services.products.remove(boss, self.product(args[0]))
        elif kind == "move":
            move_to_another_portfolio(self.store, self.team, self.product(args[0]))
        elif kind == "delete product":  # a Core DELETE: its links go by ON DELETE CASCADE
            key = self.product(args[0])
            with self.store.transaction(self.team) as tenant:
                tenant.execute(delete(Product).where(Product.key == key))
            self.products.remove(key)
        elif kind == "insert product":  # a Core INSERT claiming an alignment it cannot have
            self.insert_product(args[0])
        elif kind == "import":
            self.import_csv(args[0])

    def bulk_link(self, pairs: list[tuple[int, int]]) -> None:
        with self.store.read(self.team) as tenant:
            products = dict(tenant.execute(select(Product.key, Product.id)).all())
            objectives = dict(tenant.execute(select(Objective.key, Objective.id)).all())
            have = set(
                tenant.execute(select(ProductObjective.product_id, ProductObjective.objective_id))
            )
        wanted = {(products[self.product(p)], objectives[self.objective(o)]) for p, o in pairs}
        rows = [
            {"product_id": p, "objective_id": o, "team_id": self.team}
            for p, o in sorted(wanted - {tuple(h) for h in have})
        ]
        if rows:
            with self.store.transaction(self.team) as tenant:
                tenant.execute(insert(ProductObjective), rows)

    def relink(self, source: str, target: str) -> None:
        source_id, target_id = (self.ids(Objective, [k])[0] for k in (source, target))
        taken = select(ProductObjective.product_id).where(
            ProductObjective.objective_id == target_id
        )
        with self.store.transaction(self.team) as tenant:
            tenant.execute(
                update(ProductObjective)
                .where(
                    ProductObjective.objective_id == source_id,
                    ProductObjective.product_id.not_in(taken.scalar_subquery()),
                )
                .values(objective_id=target_id)
            )

    def insert_product(self, claimed: int) -> None:
        key = f"N{next(self.made)}"
        with self.store.transaction(self.team) as tenant:
            main = tenant.scalars(select(Portfolio.id).where(Portfolio.name == "Main"))[0]
            tenant.execute(
                insert(Product),
                [
                    {
                        "team_id": self.team,
                        "portfolio_id": main,
                        "key": key,
                        "name": key,
                        "alignment_key": claimed,
                    }
                ],
            )
        self.products.append(key)

    def import_csv(self, rows: list[tuple[int, set[int]]]) -> None:
        """Known keys are ORM updates, new ones a Core INSERT; both relinked in Core pages."""
        lines, new = ["key,name,objectives"], list[str]()
        for index, chosen in rows:
            key = self.product(index) if index < 6 else f"I{next(self.made)}"
            if any(line.startswith(key + ",") for line in lines):
                continue
            if index >= 6:
                new.append(key)
            lines.append(f"{key},{key},{';'.join(sorted({self.objective(o) for o in chosen}))}")
        self.services.transfer.import_csv(self.boss, "\n".join(lines) + "\n", portfolio=None)
        self.products.extend(new)


WRITES = st.one_of(
    st.tuples(st.just("link"), PRODUCT, OBJECTIVES),
    st.tuples(st.just("weight"), OBJECTIVE, WEIGHTS),
    st.tuples(st.just("reweigh all"), st.sampled_from([Decimal("0.0001"), Decimal("1.5")])),
    st.tuples(st.just("remove objective"), OBJECTIVE),
    st.tuples(st.just("cascade objective"), OBJECTIVE),
    st.tuples(st.just("add objective"), WEIGHTS),
    st.tuples(st.just("bulk link"), st.lists(st.tuples(PRODUCT, OBJECTIVE), max_size=12)),
    st.tuples(st.just("bulk unlink"), st.lists(PRODUCT, min_size=1, max_size=3)),
    st.tuples(st.just("relink"), OBJECTIVE, OBJECTIVE),
    st.tuples(st.just("archive"), PRODUCT),
    st.tuples(st.just("move"), PRODUCT),
    st.tuples(st.just("delete product"), PRODUCT),
    st.tuples(st.just("insert product"), st.sampled_from([0, 12_345, -7])),
    st.tuples(
        st.just("import"),
        st.lists(st.tuples(st.integers(min_value=0, max_value=8), OBJECTIVES), max_size=4),
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=SLOW)
@given(writes=st.lists(WRITES, min_size=1, max_size=10))
def test_every_write_keeps_the_alignment_keys_true(
    services: Services, store: Store, writes: list[tuple[Any, ...]]
) -> None:
    aligned = Aligned(services, store)
    alignment_true(store, aligned.team)
    for kind, *args in writes:
        # A refused write (no objective left, an archived product, a key of another
        # portfolio…) moves nothing; a Core write that loses its rows raises nothing.
        try:
            aligned.write(kind, *args)
            event(f"{kind}: written")
        except (FolioError, ZeroDivisionError):  # ZeroDivisionError: no objective left
            event(f"{kind}: refused")
        alignment_true(store, aligned.team)
    with store.transaction(aligned.team) as tenant:
        tenant.execute(update(Portfolio).values(weights={"roi": "0.5", "alignment": "0.5"}))
    for request in (RankRequest("score", None, None), RankRequest("score", 2, None, 2)):
        both_ways(services, store, aligned.team, request)


def test_setting_links_and_weights_moves_exactly_the_linked_products(
    services: Services, store: Store
) -> None:
    aligned = Aligned(services, store)  # K0: O0; K1: O0 O1; K2: O0-O2; K3: O0-O3
    assert alignment_true(store, aligned.team) == {
        "K0": 10_000,
        "K1": 15_000,
        "K2": 18_333,
        "K3": 43_333,
    }
    aligned.write("weight", 1, Decimal("0.0001"))  # O1: 0.5 -> 0.0001
    assert alignment_true(store, aligned.team) == {
        "K0": 10_000,
        "K1": 10_001,
        "K2": 13_334,
        "K3": 38_334,
    }
    aligned.write("link", 0, {4})  # K0: O4 only
    aligned.write("relink", 3, 4)  # K3's O3 link becomes O4's
    assert alignment_true(store, aligned.team) == {
        "K0": 1,
        "K1": 10_001,
        "K2": 13_334,
        "K3": 13_335,
    }


def test_deleting_an_objective_cascades_and_takes_its_weight_away_once(
    services: Services, store: Store
) -> None:
    aligned = Aligned(services, store)
    aligned.write("cascade objective", 0)  # O0 (weight 1) is linked to every product
    # (`alignment_true` would fail on a link left to the deleted objective)
    assert alignment_true(store, aligned.team) == {"K0": 0, "K1": 5_000, "K2": 8_333, "K3": 33_333}
    aligned.write("delete product", 3)  # K3's links cascade; nothing else moves
    assert alignment_true(store, aligned.team) == {"K0": 0, "K1": 5_000, "K2": 8_333}
    aligned.write("remove objective", 0)  # O1 through the service
    assert alignment_true(store, aligned.team) == {"K0": 0, "K1": 0, "K2": 3_333}


def test_the_cascade_alone_could_not_take_the_weight_away(store: Store) -> None:
    # Why `objectives_alignment_delete` deletes the links first: both databases fire the
    # links' DELETE trigger for the cascade, but only once the objective is gone, so its
    # weight is unreadable. Without that trigger (dropped inside a rolled-back
    # transaction) the cascade removes the links and leaves the keys where they were.
    team = "T0CASCADE"
    with store.system() as system:
        system.execute(insert(Workspace), [{"team_id": team}])
    postgresql = store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:
        transaction = conn.begin()
        portfolio = conn.execute(
            insert(Portfolio).returning(Portfolio.id),
            {"team_id": team, "name": "P", "is_default": True},
        ).scalar_one()
        product = conn.execute(
            insert(Product).returning(Product.id),
            {"team_id": team, "portfolio_id": portfolio, "key": "A", "name": "A"},
        ).scalar_one()
        objective = conn.execute(
            insert(Objective).returning(Objective.id),
            {"team_id": team, "key": "G", "title": "G", "weight": Decimal("0.25")},
        ).scalar_one()
        conn.execute(
            insert(ProductObjective),
            {"product_id": product, "objective_id": objective, "team_id": team},
        )
        aligned = select(Product.alignment_key).where(Product.id == product)
        assert conn.execute(aligned).scalar_one() == 2_500
        on = " ON objectives" if postgresql else ""
        conn.exec_driver_sql(f"DROP TRIGGER objectives_alignment_delete{on}")
        conn.execute(delete(Objective).where(Objective.id == objective))
        assert conn.execute(select(ProductObjective)).all() == []  # the cascade ran
        assert conn.execute(aligned).scalar_one() == 2_500  # and could not subtract
        transaction.rollback()


def test_a_product_is_inserted_unaligned_whatever_its_insert_says(
    services: Services, store: Store
) -> None:
    aligned = Aligned(services, store)
    aligned.write("insert product", 12_345)
    assert alignment_true(store, aligned.team)["N0"] == 0


def test_a_stale_alignment_key_ranks_the_score_in_full(services: Services, store: Store) -> None:
    aligned = Aligned(services, store)
    with store.transaction(aligned.team) as tenant:
        tenant.execute(update(Portfolio).values(weights={"alignment": "1"}))
    request = RankRequest("score", None, None)
    assert taken_in_sql(services, store, aligned.team, request)
    with store.transaction(aligned.team) as tenant:  # a write past the triggers (there is none)
        tenant.execute(update(Product).where(Product.key == "K0").values(alignment_key=99_999))
    assert not taken_in_sql(services, store, aligned.team, request)
    view = services.ranking.rank(Actor(team_id=aligned.team, user_id="U0R"), None, request)
    assert [r.key for r in view.rows] == ["K3", "K2", "K1", "K0"]


def test_a_large_import_links_in_pages_and_keeps_every_key(
    services: Services, store: Store
) -> None:
    size = 2_500  # 5 pages of links (the importer's batches are 500 rows)
    aligned = Aligned(services, store)
    rows = [f"B{n},B{n},{'O0;O2' if n % 3 else 'O1'}" for n in range(size)]
    services.transfer.import_csv(
        aligned.boss, "key,name,objectives\n" + "\n".join(rows) + "\n", portfolio=None
    )
    keys = alignment_true(store, aligned.team)
    assert (keys["B0"], keys["B1"]) == (5_000, 13_333)
    rows = [f"B{n},B{n},{'O3' if n % 2 else ''}" for n in range(size)]  # relinked in pages
    services.transfer.import_csv(
        aligned.boss, "key,name,objectives\n" + "\n".join(rows) + "\n", portfolio=None
    )
    keys = alignment_true(store, aligned.team)
    assert (keys["B0"], keys["B1"]) == (0, 25_000)


@pytest.mark.parametrize("first", ["link", "weight"])
def test_a_link_and_a_weight_change_at_once_leave_true_keys(
    services: Services, store: Store, first: str
) -> None:
    # PostgreSQL runs both at READ COMMITTED: unless the link's trigger share-locks the
    # objective, neither waits, the link adds the old weight and the weight change, not
    # seeing the link, moves every linked product but that one.
    aligned = Aligned(services, store)  # K0 is linked to O0 only
    new_weight = Decimal("2.5")

    def reweigh() -> object:
        return services.objectives.set_objective(aligned.boss, "O2", title=None, weight=new_weight)

    def link() -> object:
        aligned.write("bulk link", [(0, 2)])
        return None

    product, objective = aligned.ids(Product, ["K0"])[0], aligned.ids(Objective, ["O2"])[0]
    with store.transaction(aligned.team) as tenant:  # the first writer, holding it open
        if first == "link":
            tenant.execute(
                insert(ProductObjective),
                [{"product_id": product, "objective_id": objective, "team_id": aligned.team}],
            )
            second = reweigh
        else:
            tenant.execute(update(Objective).where(Objective.key == "O2").values(weight=new_weight))
            second = link
        thread, errors = in_thread(second)
        time.sleep(0.4)
        assert thread.is_alive()  # the second writer waits for the first to commit
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert not errors, errors
    assert alignment_true(store, aligned.team)["K0"] == 35_000
