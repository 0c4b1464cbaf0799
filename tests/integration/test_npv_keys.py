"""NPV rankings read their page by the stored `npv_key`, and no write leaves a key stale.

The key depends on a product's cash flows and its portfolio's discount rate, so after every
kind of write (cash flows set, proposed and accepted, or imported; a product added, moved,
archived, restored; a portfolio's rate changed; the console's demo seeded) every stored key
is compared with NPV recomputed the way the full ranking computes it (`keys_are_true`).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import event as sa_event
from sqlalchemy import select

from console.demo import DemoPeople, seed_demo
from domain.commands.portfolio import ProductFields, RankRequest, SetupRequest
from domain.errors import FolioError
from domain.models import Portfolio, Product, measures
from domain.ranking.keys import CLAMPED, NO_VALUE, npv_key
from domain.services import Services
from domain.services.access import portfolio_for
from domain.store import Store
from domain.views import Actor
from tests.integration.test_ranking_keys import both_ways, keys_are_true
from tests.support.portfolios import fill, move_to_another_portfolio, portfolios

ROOT = Path(__file__).resolve().parents[2]
_teams = itertools.count()
SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

FLOW = st.one_of(
    st.sampled_from([Decimal(v) for v in ("-1000", "0", "0.01", "-0.01", "550.50", "1000000")]),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False),
)
FLOWS = st.one_of(
    # a few shared lists: ties, ranked by product key
    st.sampled_from([[], ["-100", "110"], ["-100.00", "110.00"], ["-100", "108"]]),
    st.lists(FLOW.map(str), max_size=6),
    st.just(["9999999999999999.99"] * 6),  # beyond ±2^62 cents: clamped, ranked in full
)
RATES = st.one_of(
    st.sampled_from([Decimal(v) for v in ("0", "0.08", "0.0833", "0.1", "1")]),
    st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
)


def flow_fields(draw: st.DrawFn) -> dict[str, object]:
    """A product's cash flows, with a zero investment (n/a for ROI) or not."""
    return {
        "investment": draw(st.sampled_from([Decimal(0), Decimal(100)])),
        "expected_return": Decimal(150),
        "confidence": Decimal("0.5"),
        "cashflows": draw(FLOWS),
    }


def keyed_view_or_clamped(
    services: Services, store: Store, team: str, request: RankRequest
) -> None:
    """The NPV page came by the key (not the fallback) unless a key on it is clamped."""
    with store.read(team) as tenant:
        portfolio = portfolio_for(tenant, None)
        try:
            keyed = services.ranking._rank_by_key(tenant, portfolio, "npv", request)
        except FolioError:
            return
        clamped = tenant.scalar(select(Product.id).where(Product.npv_key.in_(CLAMPED)))
    assert keyed is not None or clamped is not None


@settings(max_examples=40, suppress_health_check=SLOW)
@given(
    rows=portfolios(flow_fields),
    rate=RATES,
    top=st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
    category=st.one_of(st.none(), st.sampled_from(["growth", "Core", "ünï", "Nope"])),
    start=st.integers(min_value=1, max_value=12),
    orm=st.booleans(),
)
def test_keyed_npv_ranking_equals_the_full_ranking(
    services: Services,
    store: Store,
    rows: list[dict[str, object]],
    rate: Decimal,
    top: int | None,
    category: str | None,
    start: int,
    orm: bool,
) -> None:
    team = fill(store, rows, orm=orm, rate=rate)
    keys_are_true(store, team)
    request = RankRequest("npv", top, category, start)
    both_ways(services, store, team, request)
    keyed_view_or_clamped(services, store, team, request)


def test_npv_ties_and_na_rank_by_key_from_the_index(services: Services, store: Store) -> None:
    rows = [
        {"key": k, "investment": Decimal(0), "expected_return": Decimal(0), "confidence": 1}
        | {"cashflows": flows, "category": "Core", "archived": False}
        for k, flows in (
            ("ZED", ["-100", "110"]),
            ("ABC", ["-100.00", "110.000"]),
            ("MID", ["10"]),
            ("NONE", []),
            ("AAA", []),
            ("LOW", ["-5"]),
        )
    ]
    team = fill(store, rows, orm=True, rate=Decimal("0.1"))
    actor = Actor(team_id=team, user_id="U0R")
    view = services.ranking.rank(actor, None, RankRequest("npv", None, None))
    assert [r.key for r in view.rows] == ["MID", "ABC", "ZED", "LOW", "AAA", "NONE"]
    assert [str(r.value) for r in view.rows] == ["10.00", "0.00", "0.00", "-5.00", "None", "None"]
    assert view.unavailable == 2
    with store.read(team) as tenant:
        portfolio = portfolio_for(tenant, None)
        keyed = services.ranking._rank_by_key(tenant, portfolio, "npv", RankRequest("npv", 2, None))
    assert keyed is not None
    assert [r.key for r in keyed.rows] == ["MID", "ABC"]
    for request in (RankRequest("npv", 2, None), RankRequest("npv", None, "core", 3)):
        both_ways(services, store, team, request)


# Every kind of write, in random orders, through the services (and the ORM for a move).

FIELD_FLOWS = st.lists(FLOW, max_size=5).map(lambda fs: tuple((f, None) for f in fs))
PRODUCT = st.integers(min_value=0, max_value=5)
WRITES = st.one_of(
    st.tuples(st.just("flows"), PRODUCT, FIELD_FLOWS),
    st.tuples(st.just("propose"), PRODUCT, FIELD_FLOWS),
    st.tuples(st.just("investment"), PRODUCT, FLOW),
    st.tuples(st.just("rate"), st.sampled_from(["Main", "Side"]), RATES),
    st.tuples(st.just("move"), PRODUCT),
    st.tuples(st.just("archive"), PRODUCT),
    st.tuples(st.just("restore"), PRODUCT),
    st.tuples(st.just("add"), FIELD_FLOWS),
    st.tuples(
        st.just("import"),
        st.lists(st.tuples(st.integers(min_value=0, max_value=8), FIELD_FLOWS), max_size=4),
    ),
)


class Workspace:
    """A fresh workspace with portfolios Main (the default) and Side, and a few products."""

    def __init__(self, services: Services, store: Store, rates: tuple[Decimal, Decimal]) -> None:
        self.services, self.store = services, store
        self.team = f"T0NPVW{next(_teams)}"
        self.boss = Actor(team_id=self.team, user_id="U0BOSS", is_admin=True)
        self.owner = Actor(team_id=self.team, user_id="U0OWNER")
        for name, rate in zip(("Main", "Side"), rates, strict=True):
            services.portfolios.setup(self.boss, SetupRequest(name, None, None, rate))
        self.keys: list[str] = []
        for flows in ((), ((Decimal(-100), None), (Decimal(120), None)), ((Decimal(5), None),)):
            self.add(flows)

    def add(self, flows: tuple[tuple[Decimal, None], ...]) -> None:
        key = f"K{len(self.keys)}"
        fields = ProductFields(owner_id=self.owner.user_id, cashflows=flows)
        self.services.products.add_product(self.boss, None, key, fields)
        self.keys.append(key)

    def key(self, index: int) -> str:
        return self.keys[index % len(self.keys)]

    def write(self, kind: str, *args: Any) -> None:
        services = self.services
        if kind == "flows":
            services.products.set_product(
                self.boss, self.key(args[0]), ProductFields(cashflows=args[1])
            )
        elif kind == "propose":
            change = services.products.set_product(
                self.owner, self.key(args[0]), ProductFields(cashflows=args[1])
            )
            if change.proposed is not None:
                services.proposals.accept(self.boss, self.key(args[0]))
        elif kind == "investment":
            fields = ProductFields(investment=(abs(args[1]), None))
            services.products.set_product(self.boss, self.key(args[0]), fields)
        elif kind == "rate":
            services.portfolios.setup(self.boss, SetupRequest(args[0], None, None, args[1]))
        elif kind == "move":
            move_to_another_portfolio(self.store, self.team, self.key(args[0]))
        elif kind == "archive":
            services.products.remove(self.boss, self.key(args[0]))
        elif kind == "restore":
            services.products.restore(self.boss, self.key(args[0]))
        elif kind == "add":
            self.add(args[0])
        elif kind == "import":
            self.import_csv(args[0])

    def import_csv(self, rows: list[tuple[int, tuple[tuple[Decimal, None], ...]]]) -> None:
        """New keys are a Core INSERT, known ones an ORM update; a refused file changes nothing."""
        lines = ["key,name,cashflows"]
        new: list[str] = []
        for index, flows in rows:
            key = self.key(index) if index < 6 else f"N{len(self.keys) + len(new)}"
            if key in new or any(line.startswith(key + ",") for line in lines):
                continue
            if index >= 6:
                new.append(key)
            lines.append(f"{key},{key},{';'.join(format(f, 'f') for f, _ in flows)}")
        self.services.transfer.import_csv(self.boss, "\n".join(lines) + "\n", portfolio=None)
        self.keys.extend(new)


@settings(max_examples=20, deadline=None, suppress_health_check=SLOW)
@given(
    rates=st.tuples(RATES, RATES),
    writes=st.lists(WRITES, min_size=1, max_size=8),
)
def test_every_write_keeps_the_npv_keys_true(
    services: Services,
    store: Store,
    rates: tuple[Decimal, Decimal],
    writes: list[tuple[Any, ...]],
) -> None:
    workspace = Workspace(services, store, rates)
    keys_are_true(store, workspace.team)
    for kind, *args in writes:
        # A refused write (an archived product, a key of the other portfolio…) moves nothing.
        try:
            workspace.write(kind, *args)
            event(f"{kind}: written")
        except FolioError:
            event(f"{kind}: refused")
        keys_are_true(store, workspace.team)
    both_ways(services, store, workspace.team, RankRequest("npv", None, None))
    both_ways(services, store, workspace.team, RankRequest("npv", 2, None, 2))


def test_the_console_demo_seeds_true_keys(services: Services, store: Store) -> None:
    people = DemoPeople(alice="U0ALICE", bob="U0BOB", dan="U0DAN", carol="U0CAROL")
    assert seed_demo(store, "T0DEMO", people, datetime(2027, 3, 22, tzinfo=UTC))
    keys_are_true(store, "T0DEMO")
    with store.read("T0DEMO") as tenant:
        keyed = tenant.scalars(select(Product.npv_key).where(Product.npv_key != NO_VALUE))
    assert keyed  # the demo has cash flows
    both_ways(services, store, "T0DEMO", RankRequest("npv", None, None))


# A rate change re-keys the portfolio in chunks, in the changing transaction.


def many_products(store: Store, count: int) -> tuple[str, Actor]:
    rows = [
        {"key": f"P{n:03d}", "investment": Decimal(0), "expected_return": Decimal(0)}
        | {"confidence": Decimal(1), "category": "Core", "archived": n % 7 == 0}
        | {"cashflows": [str(-1000 - n), "400", str(700 + 3 * n)] if n % 5 else []}
        for n in range(count)
    ]
    team = fill(store, rows, orm=False)
    return team, Actor(team_id=team, user_id="U0BOSS", is_admin=True)


def recording(store: Store) -> tuple[list[tuple[str, Any, bool]], Callable[[], None]]:
    """Every statement sent (with its parameters, and whether it was an executemany)."""
    sent: list[tuple[str, Any, bool]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        sent.append((statement, params, many))

    sa_event.listen(store.engine, "before_cursor_execute", record)
    return sent, lambda: sa_event.remove(store.engine, "before_cursor_execute", record)


def test_a_rate_change_rekeys_in_chunks_binding_no_parameter_per_product(
    services: Services, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    team, boss = many_products(store, 60)
    monkeypatch.setattr(measures, "REKEY_CHUNK", 7)
    sent, stop = recording(store)
    try:
        services.portfolios.setup(boss, SetupRequest(None, None, None, Decimal("0.3")))
    finally:
        stop()
    keys_are_true(store, team)
    chunks = [s for s, _, _ in sent if re.search(r"SELECT products.id, products.cashflows", s)]
    assert len(chunks) == 60 // 7 + 2  # 9 chunks, and the empty one that ends the walk
    for statement, params, many in sent:
        rows = params if many else [params]
        for row in rows:
            assert len(row or ()) <= 8, statement  # a few parameters, never one per product
    rekeys = [p for s, p, many in sent if many and s.startswith("UPDATE products SET npv_key")]
    assert sum(len(p) for p in rekeys) == 60 - 12  # every product with cash flows moved
    assert max(len(p) for p in rekeys) <= 7


def test_a_failed_rekey_rolls_the_rate_change_back(
    services: Services, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    team, boss = many_products(store, 30)
    with store.read(team) as tenant:
        before = tenant.execute(select(Product.key, Product.npv_key).order_by(Product.key)).all()
    monkeypatch.setattr(measures, "REKEY_CHUNK", 4)
    calls = itertools.count()
    real = npv_key

    def failing(flows: Any, rate: Any) -> int:
        if next(calls) == 10:  # in the third chunk
            raise RuntimeError("disk full")
        return real(flows, rate)

    monkeypatch.setattr(measures, "npv_key", failing)  # what rekey_portfolio calls
    with pytest.raises(RuntimeError):
        services.portfolios.setup(boss, SetupRequest(None, None, None, Decimal("0.3")))
    with store.read(team) as tenant:
        assert tenant.scalar(select(Portfolio.discount_rate)) == Decimal("0.08")
        after = tenant.execute(select(Product.key, Product.npv_key).order_by(Product.key)).all()
    assert after == before
    keys_are_true(store, team)


def test_a_product_written_after_a_rekey_in_its_transaction_keeps_its_key(
    services: Services, store: Store
) -> None:
    """Its loaded key is stale after the re-key; the new key equals it, and is still written."""
    rows = [
        {"key": "A", "investment": Decimal(0), "expected_return": Decimal(0), "confidence": 1}
        | {"cashflows": ["-100", "110"], "category": "Core", "archived": False}
    ]
    team = fill(store, rows, orm=True, rate=Decimal("0.1"))
    with store.transaction(team) as tenant:
        product = tenant.first(select(Product))
        portfolio = tenant.first(select(Portfolio))
        assert product is not None and portfolio is not None
        assert product.npv_key == 0  # NPV 0.00 at 10 %
        portfolio.discount_rate = Decimal(0)
        tenant.flush()  # re-keyed: 10.00 at 0 %, while the loaded product still says 0
        product.cashflows = ["-100", "100"]  # 0.00 at 0 %: the key it was loaded with
    keys_are_true(store, team)


# Concurrent writers: a rate change and a cash-flow write never leave a key of the other's.


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported to the test
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def set_flows_directly(store: Store, team: str, key: str, flows: list[str]) -> None:
    """An ORM write that takes no product lock first (as a console or an import may)."""
    with store.transaction(team) as tenant:
        product = tenant.first(select(Product).where(Product.key == key))
        assert product is not None
        product.cashflows = flows


@pytest.mark.parametrize("first", ["cash flows", "rate"])
def test_concurrent_rate_change_and_cash_flow_write_leave_true_keys(
    services: Services, store: Store, first: str
) -> None:
    team, boss = many_products(store, 12)

    def rate_change() -> object:
        return services.portfolios.setup(boss, SetupRequest(None, None, None, Decimal("0.5")))

    def flows_change() -> object:
        set_flows_directly(store, team, "P001", ["-1", "9999"])
        return None

    with store.transaction(team) as tenant:  # the first writer, holding its transaction open
        if first == "rate":
            portfolio = tenant.first(select(Portfolio))
            assert portfolio is not None
            portfolio.discount_rate = Decimal("0.25")
            second = flows_change
        else:
            product = tenant.first(select(Product).where(Product.key == "P001"))
            assert product is not None
            product.cashflows = ["-1", "9999"]
            second = rate_change
        tenant.flush()
        thread, errors = in_thread(second)
        time.sleep(0.4)
        assert thread.is_alive()  # the second writer waits for the first to commit
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert not errors, errors
    keys_are_true(store, team)


def test_a_burst_of_cash_flow_edits_and_rate_changes_leaves_true_keys(
    services: Services, store: Store
) -> None:
    """Editors lock a product and then share-lock its portfolio; a rate change locks the
    portfolio and then its products: PostgreSQL may pick a deadlock's victim, which runs
    again (`@retried`), so every write lands and every key is true."""
    team, boss = many_products(store, 12)
    barrier = threading.Barrier(8, timeout=30)
    writers = [n for n in range(8) if n % 4]
    edited = {n: f"P{i:03d}" for i, n in enumerate(writers, start=1)}  # P001…P006

    def write(n: int) -> str:
        barrier.wait()
        if n % 4 == 0:
            rate = Decimal(n + 1) / 100
            services.portfolios.setup(boss, SetupRequest(None, None, None, rate))
            return "rate"
        flows = ProductFields(cashflows=((Decimal(-n), None), (Decimal(100 * n), None)))
        services.products.set_product(boss, edited[n], flows)
        return "flows"

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = sorted(pool.map(write, range(8), timeout=120))
    assert answers == ["flows"] * 6 + ["rate"] * 2
    keys_are_true(store, team)
    with store.read(team) as tenant:
        flows = dict(tenant.execute(select(Product.key, Product.cashflows)).all())
    assert all(flows[key] == [str(-n), str(100 * n)] for n, key in edited.items())


def test_no_bulk_update_bypasses_the_keys() -> None:
    """Keys are kept by ORM events: no Core/bulk UPDATE of products or portfolios elsewhere.

    The alignment triggers' SQL updates products too, and writes only `alignment_key`.
    """
    pattern = re.compile(r"update\((Product|Portfolio)\b|UPDATE (products|portfolios)\b")
    allowed = {ROOT / "domain/models/measures.py"}
    alignment = ROOT / "domain/models/alignment.py"
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("domain", "console", "handlers")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
        and not (
            path == alignment and re.search(r"UPDATE products (AS p )?SET alignment_key", line)
        )
    ]
    assert found == []
