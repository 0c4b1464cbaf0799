"""Benchmark: the whole path of a slash command, against a bare Bolt app under the same gunicorn.

Run from the repository root: `python -m bench.roundtrip [--quick]`.

Folio runs as `python bot.py http` (gunicorn, WEB_CONCURRENCY=2 workers of 4 threads) against
the loopback Slack (console.loopback.FakeSlack: the Web API and the response_urls, on
127.0.0.1; no internet), on a SQLite file migrated to the real schema and then filled in bulk
with N products in one portfolio (bench.ranking.fill). The baseline is a bare Bolt app
(`python -m bench.harness bare`) under the same gunicorn settings whose /portfolio acks and
posts a fixed answer to the response_url. Both get signed slash commands on new connections,
as Slack sends them, and every figure is a ratio against the baseline measured in the same
run (alternating requests), since the machine may be busy.

Figures, for `/portfolio rank roi` and `/portfolio list` at 1,000 and 100,000 products:

- ack: request sent → HTTP 200 read; round trip: request sent → the answer at the
  response_url; CPU per command: CPU seconds of the server's process tree (master and
  workers, the kernel's per-process CPU clocks) while it ran; medians over the runs;
- 10 and 50 concurrent commands (`rank roi`, one thread each, released together): acks
  over 3 s (Slack's limit; a refused or cut-off request counts too), lost answers (none at
  the response_url within 30 s; how many of them came later, it waits up to 120 s), answers/s
  (first send → last answer), round trips, CPU per command (late answers included);
- memory: VmRSS of each gunicorn worker idle (before any command, once it stops growing),
  and after `rank roi`, `list`, `digest preview` and `export` (each twice, in that order:
  each figure includes the commands before it), as the largest ratio of a worker to its
  own idle figure;
  start-up (process start → first answer, in a boot of its own) and the total RSS of the
  workers against the bare app (and the tree's PSS: gunicorn preloads the app, so the
  workers' VmRSS counts the pages they share with the master).

`--quick`: 1,000 products, 3 runs, 10 concurrent (about a minute at most). Figures only:
exit status 0 whatever they are; non-zero only when the harness itself fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import (
    BARE_ANSWER,
    PYTHON,
    ROOT,
    Answers,
    HarnessError,
    Sent,
    Server,
    clean_env,
    cleaned_up,
    free_port,
    machine,
    new_tag,
    send_command,
)
from console.loopback import FakeChannel, FakeSlack, FakeUser
from tests.support.slack_requests import SIGNING_SECRET

TEAM = "T0BENCH"  # bench.ranking.fill's workspace
USER = "U0BENCH"
CHANNEL = "C0BENCH"
TOKEN = "xoxb-bench-dummy"
WORKERS = 2
COMMANDS = ("rank roi", "list")
MEMORY_COMMANDS = ("rank roi", "list", "digest preview", "export")
ACK_LIMIT = 3.0  # seconds: Slack shows the person an error past this
LOST_AFTER = 30.0  # seconds without an answer at the response_url
LATE_CAP = 120.0  # seconds a burst waits for late answers (and their CPU) before moving on
SETTLE = 0.05  # seconds after an answer before reading CPU and memory (the worker finishes up)
WARMUP = 2  # untimed runs of each command on each server before the timed ones


NOTES = (
    "notes: round trip = request sent → answer at the response_url; the bare app's answer "
    "can arrive before its ack,",
    "  whose latency includes slack_bolt's 10 ms ack poll (Folio acks in a middleware). CPU = "
    "the server's process tree (master + workers).",
    "  Lost = no answer within 30 s. The client threads and the loopback Slack run in this "
    "process, on the same cores.",
)


@dataclass(frozen=True)
class Mode:
    """What one run measures."""

    sizes: tuple[int, ...]
    runs: int
    concurrency: tuple[int, ...]


QUICK = Mode(sizes=(1_000,), runs=3, concurrency=(10,))
FULL = Mode(sizes=(1_000, 100_000), runs=7, concurrency=(10, 50))


@dataclass(frozen=True)
class Trip:
    """One command sent and answered (or not)."""

    sent: Sent
    answered_at: float | None
    cpu: float

    @property
    def round_trip(self) -> float | None:
        """Seconds from sending to the answer at the response_url."""
        return None if self.answered_at is None else self.answered_at - self.sent.sent_at


@dataclass(frozen=True)
class Burst:
    """N commands sent at once."""

    n: int
    slow_acks: int  # over 3 s, refused or cut off
    lost: int  # no answer within 30 s
    never: int  # no answer within LATE_CAP either
    answers_per_second: float
    cpu_per_command: float
    median_round_trip: float | None
    max_round_trip: float | None


@dataclass(frozen=True)
class Memory:
    """Worker RSS idle and after each command (kB)."""

    idle: dict[int, int]
    pss: int  # the whole tree's PSS, idle
    after: dict[str, dict[int, int]] = field(default_factory=dict)
    unanswered: dict[str, int] = field(default_factory=dict)  # runs with no answer in 60 s

    def ratio(self, command: str) -> float:
        """The largest worker's RSS after `command` over its own idle RSS."""
        after = self.after[command]
        return max(kb / self.idle[pid] for pid, kb in after.items() if self.idle.get(pid))

    def largest(self, command: str) -> int:
        """The largest worker's RSS after `command`, kB."""
        return max(self.after[command].values())


@dataclass
class Row:
    """One line of the table."""

    figure: str
    folio: str
    bare: str = ""
    ratio: str = ""
    target: str = ""


class Bench:
    """The fake Slack, the answers it saw, and the servers under test."""

    def __init__(self, tmp: Path, mode: Mode) -> None:
        self.tmp = tmp
        self.mode = mode
        self.answers = Answers()
        self.fake = FakeSlack(
            team_id=TEAM,
            users=[FakeUser(USER, "bench", "Bench", is_admin=True)],
            channels=[FakeChannel(CHANNEL, "bench")],
            token=TOKEN,
            on_post=self.answers.on_post,
            files_dir=tmp / "files",
        )
        self.boots = 0
        self.samples: dict[tuple[int, str, str], str] = {}  # (size, server, command): 1st answer
        self.size = 0

    # ------------------------------------------------------------------ servers

    def env(self, port: int, **extra: str) -> dict[str, str]:
        return clean_env(
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_API_URL=self.fake.base_url,
            PORT=str(port),
            WEB_CONCURRENCY=str(WORKERS),
            **extra,
        )

    def folio(self, database_url: str) -> Server:
        self.boots += 1
        port = free_port()
        return Server(
            "Folio",
            [PYTHON, str(ROOT / "bot.py"), "http"],
            env=self.env(port, DATABASE_URL=database_url),
            cwd=self.tmp,  # no .env from the repository
            log_path=self.tmp / f"folio-{self.boots}.log",
            port=port,
            workers=WORKERS,
        )

    def bare(self) -> Server:
        self.boots += 1
        port = free_port()
        return Server(
            "bare Bolt",
            [PYTHON, "-m", "bench.harness", "bare"],
            env=self.env(port, PYTHONPATH=str(ROOT)),
            cwd=self.tmp,
            log_path=self.tmp / f"bare-{self.boots}.log",
            port=port,
            workers=WORKERS,
        )

    # ------------------------------------------------------------------ requests

    def send(self, server: Server, text: str, tag: str) -> Sent:
        url = self.fake.new_response_url(channel=CHANNEL, user=USER, message_ts=tag)
        return send_command(
            server.base, text, url, tag, team_id=TEAM, user_id=USER, channel_id=CHANNEL
        )

    def trip(self, server: Server, text: str, *, wait: float = 60.0) -> Trip:
        """One command on its own: ack, the answer, the CPU it cost."""
        tag = new_tag()
        before = server.cpu()
        sent = self.send(server, text, tag)
        if sent.status != 200:
            raise HarnessError(f"{server.name} answered {sent.status} to {text!r}:\n{server.log()}")
        self.answers.wait([tag], sent.sent_at + wait)
        time.sleep(SETTLE)
        trip = Trip(sent, self.answers.at(tag), server.cpu() - before)
        if trip.answered_at is not None:
            key = (self.size, server.name, text)
            self.samples.setdefault(key, self.answers.texts.get(tag, ""))
        return trip

    def burst(self, server: Server, text: str, n: int) -> Burst:
        """N commands released together, one thread each."""
        tags = [new_tag() for _ in range(n)]
        urls = [self.fake.new_response_url(channel=CHANNEL, user=USER, message_ts=t) for t in tags]
        sent: list[Sent | None] = [None] * n
        gate = threading.Barrier(n)

        def one(i: int) -> None:
            gate.wait()
            sent[i] = send_command(
                server.base, text, urls[i], tags[i], team_id=TEAM, user_id=USER, channel_id=CHANNEL
            )

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
        before = server.cpu()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=LOST_AFTER + 10)
        done = [s for s in sent if s is not None]
        if not done:
            raise HarnessError(f"no request of the burst finished:\n{server.log()}")
        self.answers.wait(tags, max(s.sent_at for s in done) + LATE_CAP)  # late ones cost CPU too
        time.sleep(SETTLE)
        cpu = server.cpu() - before
        trips = []
        for s in done:
            at = self.answers.at(s.tag)
            if at is not None:
                trips.append(at - s.sent_at)
        slow = sum(1 for s in sent if s is None or s.status != 200 or s.ack_seconds > ACK_LIMIT)
        first = min(s.sent_at for s in done)
        arrivals = [a for a in (self.answers.at(t) for t in tags) if a is not None]
        span = (max(arrivals) - first) if arrivals else 0.0
        return Burst(
            n=n,
            slow_acks=slow,
            lost=n - sum(1 for t in trips if t <= LOST_AFTER),
            never=n - len(trips),
            answers_per_second=len(trips) / span if span > 0 else 0.0,
            cpu_per_command=cpu / n,
            median_round_trip=statistics.median(trips) if trips else None,
            max_round_trip=max(trips) if trips else None,
        )

    # ------------------------------------------------------------------ phases

    def start_up(self, server: Server) -> tuple[float, float | None]:
        """A boot of its own: seconds from the process start to /healthz, to the first answer
        (None: none within 60 s)."""
        ready = server.start()
        trip = self.trip(server, "rank roi")
        server.stop()
        if trip.answered_at is None:
            return ready, None
        return ready, trip.answered_at - server.started_at

    def memory(self, server: Server) -> Memory:
        idle = settled_rss(server)
        memory = Memory(idle=idle, pss=server.tree_pss())
        for command in MEMORY_COMMANDS:
            largest: dict[int, int] = {}
            for _ in range(2):  # twice: a chance to reach both workers
                trip = self.trip(server, command)
                if trip.answered_at is None:
                    memory.unanswered[command] = memory.unanswered.get(command, 0) + 1
                for pid, kb in server.worker_rss().items():
                    largest[pid] = max(largest.get(pid, 0), kb)
            memory.after[command] = largest
        return memory


def settled_rss(server: Server, timeout: float = 10.0) -> dict[int, int]:
    """Each worker's RSS once it stops growing (a worker may still be importing at /healthz)."""
    deadline = time.perf_counter() + timeout
    last = server.worker_rss()
    while time.perf_counter() < deadline:
        time.sleep(0.3)
        now = server.worker_rss()
        if (
            now.keys() == last.keys()
            and all(now.values())
            and all(abs(now[p] - last[p]) < 256 for p in now)
        ):
            return now
        last = now
    return last


def prepare_database(path: Path, size: int) -> tuple[str, float]:
    """Migrate a fresh SQLite file to the real schema, then fill it in bulk; the seconds."""
    from bench.ranking import fill
    from bot import migrate

    started = time.perf_counter()
    url = f"sqlite:///{path}"
    migrate(url)
    fill(url, size)  # its create_all finds every table already made by the migrations
    return url, time.perf_counter() - started


# ---------------------------------------------------------------------- the run


def run(mode: Mode, out: Callable[[str], None]) -> tuple[list[Row], list[str]]:
    """Every figure, and the answers seen; every process started is stopped after."""
    with tempfile.TemporaryDirectory(prefix="folio-roundtrip-") as tmp, cleaned_up():
        bench = Bench(Path(tmp), mode)
        bench.fake.start()
        try:
            rows = measure(bench, mode, out)
        finally:
            bench.fake.stop()
        return rows, sample_lines(bench)


def measure(bench: Bench, mode: Mode, out: Callable[[str], None]) -> list[Row]:
    rows: list[Row] = []

    def progress(text: str) -> None:
        out(f"  … {text}")

    bare = bench.bare()
    bare.start()
    bare_idle = settled_rss(bare)
    bare_idle_pss = bare.tree_pss()
    for command in COMMANDS:
        for _ in range(WARMUP):
            bench.trip(bare, command)

    for size in mode.sizes:
        progress(f"{size:,} products: migrate and fill")
        url, fill_seconds = prepare_database(bench.tmp / f"folio-{size}.db", size)
        progress(f"{size:,} products: filled in {fill_seconds:.1f} s; start-up")
        bench.size = size
        bare_ready, bare_first = bench.start_up(bench.bare())  # a boot of its own, next to Folio's
        folio_ready, folio_first = bench.start_up(bench.folio(url))
        rows.append(
            ratio_row(
                f"start-up to first answer @{size:,}",
                folio_first,
                bare_first,
                seconds,
            )
        )
        rows.append(ratio_row(f"start-up to /healthz @{size:,}", folio_ready, bare_ready, seconds))

        folio = bench.folio(url)
        folio.start()
        progress(f"{size:,} products: memory")
        memory = bench.memory(folio)
        idle_pss = memory.pss
        idle_total = sum(memory.idle.values())
        rows.append(
            ratio_row(
                f"RSS of {WORKERS} workers idle @{size:,}",
                idle_total,
                sum(bare_idle.values()),
                megabytes,
            )
        )
        rows.append(
            ratio_row(f"PSS of master + workers idle @{size:,}", idle_pss, bare_idle_pss, megabytes)
        )
        rows.append(
            Row(
                f"RSS per worker idle @{size:,}",
                " / ".join(megabytes(kb) for kb in memory.idle.values()),
                " / ".join(megabytes(kb) for kb in bare_idle.values()),
            )
        )
        for command in MEMORY_COMMANDS:
            rows.append(
                Row(
                    f"worker RSS after {command} @{size:,}",
                    megabytes(memory.largest(command)),
                    "",
                    f"{memory.ratio(command):.2f}× idle",
                    ("≤ 2× idle" if size >= 100_000 else "")
                    + (
                        f" ({memory.unanswered[command]} of 2 unanswered in 60 s)"
                        if command in memory.unanswered
                        else ""
                    ),
                )
            )

        progress(f"{size:,} products: round trips ({mode.runs} runs each)")
        for command in COMMANDS:
            for _ in range(WARMUP):
                bench.trip(folio, command)
            folio_trips: list[Trip] = []
            bare_trips: list[Trip] = []
            for _ in range(mode.runs):  # alternating, so both see the same machine
                folio_trips.append(bench.trip(folio, command))
                bare_trips.append(bench.trip(bare, command))
            lost = sum(1 for t in folio_trips if t.answered_at is None)
            target = "≤ 1.5× bare" if size <= 1_000 else ""
            rows.append(
                ratio_row(
                    f"{command}: round trip @{size:,}",
                    median(t.round_trip for t in folio_trips),
                    median(t.round_trip for t in bare_trips),
                    seconds,
                    target + (f" ({lost} unanswered)" if lost else ""),
                )
            )
            rows.append(
                ratio_row(
                    f"{command}: ack @{size:,}",
                    median(t.sent.ack_seconds for t in folio_trips),
                    median(t.sent.ack_seconds for t in bare_trips),
                    seconds,
                    "< 3 s",
                )
            )
            rows.append(
                ratio_row(
                    f"{command}: CPU per command @{size:,}",
                    median(t.cpu for t in folio_trips),  # a median: a busy machine's
                    median(t.cpu for t in bare_trips),  # odd spike stays out of it
                    milliseconds,
                    "≤ 3× bare",
                )
            )

        for n in mode.concurrency:
            progress(f"{size:,} products: {n} concurrent")
            bare_burst = bench.burst(bare, "rank roi", n)
            folio_burst = bench.burst(folio, "rank roi", n)
            rows += burst_rows(size, folio_burst, bare_burst)

        rows.append(
            ratio_row(
                f"RSS of {WORKERS} workers at the end @{size:,}",
                sum(folio.worker_rss().values()),
                sum(bare.worker_rss().values()),
                megabytes,
            )
        )
        rows.append(
            ratio_row(
                f"PSS of master + workers at the end @{size:,}",
                folio.tree_pss(),
                bare.tree_pss(),
                megabytes,
            )
        )
        folio.stop()
    bare.stop()
    if bench.fake.errors:
        out(f"  ! the loopback Slack recorded {len(bench.fake.errors)} errors")
    return rows


def sample_lines(bench: Bench) -> list[str]:
    """The first answer each server gave to each command (what was measured is a real answer)."""
    lines = []
    for (size, name, command), text in sorted(bench.samples.items()):
        if size and (name == "Folio" or command == COMMANDS[0]):
            shown = " ".join(text.split())
            cut = f"{shown[:100]}…" if len(shown) > 100 else shown
            lines.append(f"  @{size:,} {name} to {command!r}: {cut}")
    return lines


def burst_rows(size: int, folio: Burst, bare: Burst) -> list[Row]:
    n = folio.n
    at = f"{n} concurrent rank roi @{size:,}"
    strict = n >= 50 and size >= 100_000
    return [
        Row(
            f"{at}: acks over 3 s",
            str(folio.slow_acks),
            str(bare.slow_acks),
            "",
            "0" if strict else "",
        ),
        Row(f"{at}: lost answers", str(folio.lost), str(bare.lost), "", "0" if strict else ""),
        Row(f"{at}: … not even in {LATE_CAP:.0f} s", str(folio.never), str(bare.never)),
        ratio_row(
            f"{at}: answers/s", folio.answers_per_second, bare.answers_per_second, per_second
        ),
        ratio_row(
            f"{at}: median round trip", folio.median_round_trip, bare.median_round_trip, seconds
        ),
        ratio_row(f"{at}: slowest round trip", folio.max_round_trip, bare.max_round_trip, seconds),
        ratio_row(
            f"{at}: CPU per command",
            folio.cpu_per_command,
            bare.cpu_per_command,
            milliseconds,
            "≤ 3× bare",
        ),
    ]


# ---------------------------------------------------------------------- formatting


def median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def milliseconds(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def megabytes(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def per_second(value: float) -> str:
    return f"{value:.1f}/s"


def ratio_row(
    figure: str,
    folio: float | None,
    bare: float | None,
    fmt: Callable[[float], str],
    target: str = "",
) -> Row:
    ratio = ""
    if folio is not None and bare:
        ratio = f"{folio / bare:.1f}×" if folio / bare >= 0.95 else f"{folio / bare:.2f}×"
    return Row(
        figure,
        "—" if folio is None else fmt(folio),
        "—" if bare is None else fmt(bare),
        ratio,
        target,
    )


def table(rows: Sequence[Row]) -> str:
    head = Row("figure", "Folio", "bare Bolt", "Folio/bare", "target (issue 11)")
    widths = [
        max(len(getattr(r, name)) for r in (head, *rows))
        for name in ("figure", "folio", "bare", "ratio", "target")
    ]
    lines = []
    for r in (head, *rows):
        cells = (r.figure, r.folio, r.bare, r.ratio, r.target)
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 or i == 4 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.roundtrip", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 products, few runs, 10 at once")
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    started = time.perf_counter()

    def out(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    print(f"machine: {machine()}")
    print(
        f"mode: {'quick' if args.quick else 'full'} — sizes "
        f"{', '.join(f'{s:,}' for s in mode.sizes)}, {mode.runs} runs, concurrency "
        f"{', '.join(map(str, mode.concurrency))}; gunicorn {WORKERS} workers × 4 threads; "
        f"the bare app answers “{BARE_ANSWER}”\n",
        flush=True,
    )
    try:
        rows, samples = run(mode, out)
    except HarnessError as error:
        print(f"harness failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; every server stopped", file=sys.stderr)
        return 130
    print(table(rows))
    print("answers (the first of each):", *samples, sep="\n")
    print(*NOTES, sep="\n")
    print(f"machine after: {machine()}; took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
