"""Digest fan-out through the real scheduler path against a rate-limited fake Slack.

Times one `DigestJobs.run_once` (claim, compose, render, send, settle) with the settings
production uses (bot.py builds `DigestJobs(services, clients)`), for N channels subscribed to
one portfolio of P products, each owed a ranking and a status digest, against the loopback
Slack's rate limits (1 post per channel per second, 200 per second per workspace). Then two
runners on one database with a short claim timeout tick at once: each digest must post once.

Run: python -m bench.digest_fanout [--quick] [--channels 1000] [--products 50,1000]
     [--huge] [--postgres]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select

from console.loopback import FakeChannel, FakeSlack
from domain.commands import portfolio as parse
from domain.grammar import split_command
from domain.models import Base, DigestSubscription, Portfolio, Product, RoadmapItem
from domain.services import Services, build_services
from domain.services.digests.claims import ClaimRules
from domain.store import Store, make_engine
from domain.views import Actor
from handlers.digests.scheduler import DigestJobs, workspace_clients

CHANNEL_RATE = 1.0  # chat.postMessage per channel per second, as the fake enforces
WORKSPACE_RATE = 200.0  # chat.postMessage per second across the workspace, as the fake enforces
KINDS = ("ranking", "status")
TOKEN = "xoxb-bench-dummy"
TEAM = "T0BENCH"
ADMIN = Actor(team_id=TEAM, user_id="U0ADMIN", is_admin=True)
SUBSCRIBED_AT = datetime(2027, 3, 28, 12, 0, tzinfo=UTC)
DUE_AT = datetime(2027, 3, 29, 9, 0, tzinfo=UTC)


class RunningClock:
    """Wall time from a chosen instant on: claims and heartbeats see real seconds pass."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, start: datetime) -> None:
        """Restart the clock at `start`."""
        self._start, self._t0 = start, time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


@dataclass(frozen=True)
class Figures:
    """What one tick (or pair of ticks) measured."""

    label: str
    channels: int
    products: int
    runners: int
    wall: float
    lower_bound: float
    accepted: int
    rejected_429: int
    duplicates: int
    losses: int

    @property
    def ratio(self) -> float:
        """Wall time over the rate-limit lower bound."""
        return self.wall / self.lower_bound if self.lower_bound > 0 else float("nan")


def lower_bound(channels: int, per_channel: int) -> float:
    """The shortest time the rate limits allow for this fan-out, in seconds."""
    return max((per_channel - 1) / CHANNEL_RATE, channels * per_channel / WORKSPACE_RATE)


def channel_ids(channels: int) -> list[str]:
    """The subscribed channels' ids."""
    return [f"C{n:07d}" for n in range(channels)]


def build_world(url: str, products: int, channels: int, clock: RunningClock) -> None:
    """A portfolio of `products` (one roadmap item each) and `channels` daily subscriptions."""
    engine = make_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)
    store = Store(engine)
    services = build_services(store, clock)
    clock.set(SUBSCRIBED_AT - timedelta(days=1))
    services.portfolios.setup(ADMIN, parse.parse_setup(split_command("setup Bench | budget 2m")))
    with store.transaction(TEAM) as tenant:
        portfolio_id = tenant.scalars(select(Portfolio.id))[0]
        for n in range(products):
            product = Product(
                portfolio_id=portfolio_id,
                key=f"P{n:06d}",
                name=f"Product {n}",
                owner_id=None,  # no reminder DMs in the tick: digests only
                health=("on track", "at risk", "off track")[n % 3],
                investment=Decimal(1000 + 7 * n),
                expected_return=Decimal(3000 + 13 * ((n * 7919) % 1000)),
                confidence=Decimal("0.5") + Decimal(n % 5) / 10,
                next_item_number=2,
                last_update_at=SUBSCRIBED_AT - timedelta(days=n % 20),
            )
            tenant.add(product)
            if n % 5000 == 4999:
                tenant.flush()
        tenant.flush()
        ids = tenant.scalars(select(Product.id))
        for number, product_id in enumerate(ids):
            tenant.add(
                RoadmapItem(
                    product_id=product_id,
                    number=1,
                    title=f"Item {number}",
                    status=("planned", "in progress", "testing")[number % 3],
                    progress=(number * 17) % 100,
                    target_due=(DUE_AT + timedelta(days=number % 60 - 10)).date(),
                )
            )
    clock.set(SUBSCRIBED_AT)
    first, *others = channel_ids(channels)
    services.subscriptions.subscribe(ADMIN, first, "daily 09:00 UTC both")
    with store.system() as system:
        template = system.scalars(select(DigestSubscription))[0]
        columns = [c.key for c in DigestSubscription.__table__.columns if c.key != "id"]
        for channel in others:
            values = {key: getattr(template, key) for key in columns}
            values["channel_id"] = channel
            system.add(DigestSubscription(**values))
    engine.dispose()


@contextmanager
def fake_slack(channels: int) -> Iterator[FakeSlack]:
    """The loopback Slack with every channel and the rate limits production meets."""
    with FakeSlack(
        team_id=TEAM,
        channels=[FakeChannel(c, c.lower()) for c in channel_ids(channels)],
        channel_rate_per_second=CHANNEL_RATE,
        workspace_rate_per_second=WORKSPACE_RATE,
        token=TOKEN,
    ) as fake:
        yield fake


def digest_kind(text: str) -> str:
    """Which digest a posted message is, from its notification text."""
    return "ranking" if "ROI ranking" in text else "status"


def tick(
    url: str,
    channels: int,
    products: int,
    *,
    runners: int,
    claim_timeout: timedelta | None,
    jobs_hook: Callable[[DigestJobs], None] | None = None,
) -> Figures:
    """Run `runners` schedulers on one database at once and count what Slack received."""
    clock = RunningClock(DUE_AT)
    engines: list[Engine] = []
    with fake_slack(channels) as fake:
        jobs = []
        for _ in range(runners):
            engine = make_engine(url)
            engines.append(engine)
            services: Services = build_services(Store(engine), clock)
            if claim_timeout is not None:
                services.outbox.rules = ClaimRules(claim_timeout=claim_timeout)
            job = DigestJobs(services, workspace_clients(token=TOKEN, base_url=fake.base_url))
            if jobs_hook is not None:
                jobs_hook(job)
            jobs.append(job)
        barrier = threading.Barrier(runners)

        def run(job: DigestJobs) -> None:
            barrier.wait()
            job.run_once()

        threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
        started = time.perf_counter()
        clock.set(DUE_AT)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        posted = Counter(
            (post.channel, digest_kind(post.text)) for post in fake.posts if post.kind == "message"
        )
        rejected = fake.rejected_total
    for engine in engines:
        engine.dispose()
    expected = [(c, k) for c in channel_ids(channels) for k in KINDS]
    return Figures(
        label=f"{runners} runner{'s' if runners > 1 else ''}",
        channels=channels,
        products=products,
        runners=runners,
        wall=wall,
        lower_bound=lower_bound(channels, len(KINDS)),
        accepted=sum(posted.values()),
        rejected_429=rejected,
        duplicates=sum(count - 1 for count in posted.values() if count > 1),
        losses=sum(1 for key in expected if posted[key] == 0),
    )


HEADER = (
    f"{'run':<10} {'db':<10} {'channels':>8} {'products':>8} {'time s':>8} {'bound s':>8} "
    f"{'ratio':>6} {'posts':>6} {'429s':>5} {'dupes':>5} {'lost':>5}"
)


def line(figures: Figures, backend: str) -> str:
    """One run's figures as a table row."""
    return (
        f"{figures.label:<10} {backend:<10} {figures.channels:>8} {figures.products:>8} "
        f"{figures.wall:>8.2f} {figures.lower_bound:>8.2f} {figures.ratio:>6.2f} "
        f"{figures.accepted:>6} {figures.rejected_429:>5} {figures.duplicates:>5} "
        f"{figures.losses:>5}"
    )


def backends(postgres: bool, workdir: Path) -> Iterator[tuple[str, str]]:
    """(name, url) of each database to run on: a SQLite file, and PostgreSQL if asked and found."""
    yield "sqlite", f"sqlite:///{workdir / 'bench.db'}"
    if not postgres:
        return
    from tests.support.postgres import start_postgres

    server = start_postgres(workdir / "pg")
    if server is None:
        print("(no PostgreSQL server could be started; skipped)")
        return
    try:
        yield "postgresql", server.url
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit 1 on a duplicate or a loss."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--channels", type=int, default=1000, help="subscribed channels")
    parser.add_argument("--products", default="50,1000", help="portfolio sizes, comma-separated")
    parser.add_argument("--huge", action="store_true", help="also 100,000 products")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL if found")
    parser.add_argument(
        "--quick", action="store_true", help="CI: 300 channels, 50 and 1000 products, < 60 s"
    )
    parser.add_argument(
        "--claim-timeout", type=float, default=2.0, help="seconds, for the two-runner run"
    )
    args = parser.parse_args(argv)
    channels = 300 if args.quick else args.channels
    sizes = [int(s) for s in args.products.split(",") if s.strip()]
    if args.huge:
        sizes.append(100_000)
    if channels < 1 or any(s < 1 for s in sizes):
        parser.error("--channels and --products must be at least 1")
    bad = 0
    print(HEADER)
    with tempfile.TemporaryDirectory(prefix="folio-bench-") as tmp:
        for backend, url in backends(args.postgres, Path(tmp)):
            for products in sizes:
                runs = [
                    (1, None),
                    (2, timedelta(seconds=args.claim_timeout)),
                ]
                for runners, timeout in runs:
                    build_world(url, products, channels, RunningClock(SUBSCRIBED_AT))
                    figures = tick(url, channels, products, runners=runners, claim_timeout=timeout)
                    print(line(figures, backend), flush=True)
                    bad += figures.duplicates + figures.losses
    print(
        f"bound: max(({len(KINDS)} - 1) / {CHANNEL_RATE:g} per channel per s, "
        f"posts / {WORKSPACE_RATE:g} per s); two runners use a {args.claim_timeout:g} s "
        "claim timeout"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
