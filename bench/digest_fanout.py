"""Digest fan-out through the real scheduler path against a rate-limited fake Slack.

Times one `DigestJobs.run_once` (claim, compose, render, send, settle) with the settings
production uses (bot.py builds `DigestJobs(services, clients)`), for N channels subscribed to
one portfolio of P products, each owed a ranking and a status digest, against the loopback
Slack's rate limits (1 post per channel per second, 200 per second per workspace). Then two
runners on one database with a short claim timeout tick at once: each digest must post once,
and together they keep to the workspace's rate (their shared pace, send_pace). Each runner
has a process of its own, as in production (`--runner-threads`: threads of one process, their
claims and composing serialised by one interpreter lock).

The loopback Slack runs in a process of its own, as Slack runs on machines of its own: in the
runners' process its HTTP threads would compete for their interpreter lock and its record of
every post (some 300,000 objects for 2,000 digests) would lengthen every garbage collection
pause, costs no production runner pays. `--fake-in-process` measures the old way.

Run: python -m bench.digest_fanout [--quick] [--channels 1000] [--products 50,1000]
     [--huge] [--postgres] [--runners 1,2] [--runner-threads] [--fake-in-process]
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import select

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
    if engine.dialect.name == "postgresql":
        # Planner statistics, as autovacuum gathers them soon after a bulk load (its naptime
        # is a minute, the tick starts seconds later): a production database has them.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
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


Received = tuple[list[tuple[str, str]], int]  # (channel, digest kind) of each post, 429s


def received(fake: FakeSlack) -> Received:
    """What the fake Slack accepted (as channel and digest kind) and how many it refused."""
    posted = [(p.channel or "", digest_kind(p.text)) for p in fake.posts if p.kind == "message"]
    return posted, fake.rejected_total


def _serve(channels: int, conn: Connection) -> None:
    """The fake Slack's own process: its URL out, then what it received when asked.

    Without the cycle collector: the fake keeps every post it accepted (acyclic JSON, freed
    by reference counting), and collecting a heap that grows by 300,000 objects a tick
    stops it for 100 to 200 ms every second or two. Requests queue meanwhile and arrive
    together when it resumes, and a second later that bunch and the posts on time after it
    share one window: 429s that a Slack on machines of its own would not answer.
    """
    gc.disable()
    with fake_slack(channels) as fake:
        conn.send(fake.base_url)
        conn.recv()
        conn.send(received(fake))


@contextmanager
def slack_server(
    channels: int, *, in_process: bool
) -> Iterator[tuple[str, Callable[[], Received]]]:
    """(base URL, report) of a fake Slack in its own process, or in this one if asked."""
    if in_process:
        with fake_slack(channels) as fake:
            yield fake.base_url, lambda: received(fake)
        return
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(channels, theirs), daemon=True)
    process.start()
    try:
        base_url = mine.recv()

        def report() -> Received:
            mine.send("report")
            result: Received = mine.recv()
            return result

        yield base_url, report
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()


def tick(
    url: str,
    channels: int,
    products: int,
    *,
    runners: int,
    claim_timeout: timedelta | None,
    jobs_hook: Callable[[DigestJobs], None] | None = None,
    fake_in_process: bool = False,
    runner_processes: bool = True,
) -> Figures:
    """Run `runners` schedulers on one database at once and count what Slack received.

    Two or more runners run in processes of their own (as production runs them), unless
    `runner_processes` is false: then as threads of this one, sharing its interpreter lock.
    """
    with slack_server(channels, in_process=fake_in_process) as (base_url, report):
        if runners > 1 and runner_processes:
            wall = _tick_in_processes(url, base_url, runners, claim_timeout)
        else:
            wall = _tick_in_threads(url, base_url, runners, claim_timeout, jobs_hook)
        accepted, rejected = report()
    posted = Counter(accepted)
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


def runner_jobs(
    url: str, base_url: str, clock: RunningClock, claim_timeout: timedelta | None
) -> DigestJobs:
    """One runner as production builds it (bot.py: `DigestJobs(services, clients)`)."""
    services: Services = build_services(Store(make_engine(url)), clock)
    if claim_timeout is not None:
        services.outbox.rules = ClaimRules(claim_timeout=claim_timeout)
    return DigestJobs(services, workspace_clients(token=TOKEN, base_url=base_url))


def _tick_in_threads(
    url: str,
    base_url: str,
    runners: int,
    claim_timeout: timedelta | None,
    jobs_hook: Callable[[DigestJobs], None] | None,
) -> float:
    clock = RunningClock(DUE_AT)
    jobs = [runner_jobs(url, base_url, clock, claim_timeout) for _ in range(runners)]
    for job in jobs:
        if jobs_hook is not None:
            jobs_hook(job)
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
    for job in jobs:
        job.services.store.engine.dispose()
    return wall


def _run_runner(
    url: str,
    base_url: str,
    claim_timeout: timedelta | None,
    start: threading.Barrier,
    conn: Connection,
) -> None:
    """A runner's own process: built, then one tick once every runner is ready."""
    clock = RunningClock(DUE_AT)
    job = runner_jobs(url, base_url, clock, claim_timeout)
    start.wait()
    clock.set(DUE_AT)
    job.run_once()
    conn.send(time.monotonic())
    job.services.store.engine.dispose()


def _tick_in_processes(
    url: str, base_url: str, runners: int, claim_timeout: timedelta | None
) -> float:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(runners + 1)
    pipes = [context.Pipe() for _ in range(runners)]
    processes = [
        context.Process(
            target=_run_runner, args=(url, base_url, claim_timeout, start, theirs), daemon=True
        )
        for _, theirs in pipes
    ]
    for process in processes:
        process.start()
    try:
        start.wait(timeout=120)
        started = time.monotonic()  # system-wide: comparable with the runners' readings
        ended: list[float] = [mine.recv() for mine, _ in pipes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    return max(ended) - started


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
    parser.add_argument("--runners", default="1,2", help="runner counts to time, comma-separated")
    parser.add_argument(
        "--runner-threads",
        action="store_true",
        help="run two or more runners as threads of one process, not processes of their own",
    )
    parser.add_argument(
        "--fake-in-process",
        action="store_true",
        help="run the fake Slack in the runners' process (its threads and heap theirs)",
    )
    args = parser.parse_args(argv)
    channels = 300 if args.quick else args.channels
    sizes = [int(s) for s in args.products.split(",") if s.strip()]
    if args.huge:
        sizes.append(100_000)
    counts = [int(n) for n in args.runners.split(",") if n.strip()]
    if channels < 1 or any(s < 1 for s in sizes) or any(n < 1 for n in counts):
        parser.error("--channels, --products and --runners must be at least 1")
    bad = 0
    print(HEADER)
    with tempfile.TemporaryDirectory(prefix="folio-bench-") as tmp:
        for backend, url in backends(args.postgres, Path(tmp)):
            for products in sizes:
                for runners in counts:
                    timeout = None if runners == 1 else timedelta(seconds=args.claim_timeout)
                    build_world(url, products, channels, RunningClock(SUBSCRIBED_AT))
                    figures = tick(
                        url,
                        channels,
                        products,
                        runners=runners,
                        claim_timeout=timeout,
                        fake_in_process=args.fake_in_process,
                        runner_processes=not args.runner_threads,
                    )
                    print(line(figures, backend), flush=True)
                    bad += figures.duplicates + figures.losses
    print(
        f"bound: max(({len(KINDS)} - 1) / {CHANNEL_RATE:g} per channel per s, "
        f"posts / {WORKSPACE_RATE:g} per s); two runners use a {args.claim_timeout:g} s "
        "claim timeout; the fake Slack "
        + ("in the runners' process" if args.fake_in_process else "in a process of its own")
        + "; two runners "
        + ("as threads of one process" if args.runner_threads else "in processes of their own")
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
