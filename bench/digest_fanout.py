"""Digest fan-out against a rate-limited fake Slack: wall time vs the rate-limit lower bound.

Run: python -m bench.digest_fanout [--channels 1000] [--per-channel 2]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from console.loopback import FakeChannel, FakeSlack
from handlers.delivery import Outgoing, build_client, deliver

CHANNEL_RATE = 1.0  # chat.postMessage per channel per second (Slack: about one)
WORKSPACE_RATE = 200.0  # chat.postMessage per second across the workspace, as the fake enforces
PACE = 0.98  # deliver() paces at 98 % of the workspace rate: headroom for arrival jitter
TOKEN = "xoxb-bench-dummy"
_ID_IN_TEXT = re.compile(r"\[id=([^\]]+)\]")


@dataclass(frozen=True)
class Figures:
    """What one run measured."""

    channels: int
    messages: int
    wall: float
    lower_bound: float
    accepted: int
    rejected_429: int
    duplicates: int
    losses: int
    failed_outcomes: int

    @property
    def ratio(self) -> float:
        """Wall time over the rate-limit lower bound."""
        return self.wall / self.lower_bound if self.lower_bound > 0 else float("nan")


def lower_bound(
    channels: int, per_channel: int, channel_rate: float, workspace_rate: float
) -> float:
    """The shortest time the rate limits allow for this fan-out, in seconds."""
    per_channel_bound = (per_channel - 1) / channel_rate
    workspace_bound = channels * per_channel / workspace_rate
    return max(per_channel_bound, workspace_bound)


def build_messages(channel_ids: Sequence[str], per_channel: int) -> list[Outgoing]:
    """Each channel's ranking and status digests (and numbered extras past two), ids in text."""
    kinds = ["ranking", "status"] + [f"extra{n}" for n in range(3, per_channel + 1)]
    messages = []
    for number, channel in enumerate(channel_ids):
        for kind in kinds[:per_channel]:
            message_id = f"digest:{number}:2027-03-29:{kind}"
            text = f"{kind.title()} digest for the week of 2027-03-29 [id={message_id}]"
            messages.append(Outgoing(id=message_id, channel=channel, text=text))
    return messages


def run(channels: int, per_channel: int, workers: int) -> Figures:
    """Deliver the fan-out once against a fresh fake and measure it."""
    fake_channels = [FakeChannel(f"C{n:07d}", f"digest-{n}") for n in range(channels)]
    messages = build_messages([c.id for c in fake_channels], per_channel)
    with FakeSlack(
        channels=fake_channels,
        channel_rate_per_second=CHANNEL_RATE,
        workspace_rate_per_second=WORKSPACE_RATE,
        token=TOKEN,
    ) as fake:
        client = build_client(TOKEN, base_url=fake.base_url)
        started = time.perf_counter()
        outcomes = deliver(
            client,
            messages,
            per_channel_interval=1.0 / CHANNEL_RATE,
            workspace_rate=WORKSPACE_RATE * PACE,
            workers=workers,
        )
        wall = time.perf_counter() - started
        posted = Counter(
            match[1]
            for post in fake.posts
            if post.kind == "message" and (match := _ID_IN_TEXT.search(post.text))
        )
        rejected = fake.rejected_total
    accepted = sum(posted.values())
    return Figures(
        channels=channels,
        messages=len(messages),
        wall=wall,
        lower_bound=lower_bound(channels, per_channel, CHANNEL_RATE, WORKSPACE_RATE),
        accepted=accepted,
        rejected_429=rejected,
        duplicates=sum(count - 1 for count in posted.values() if count > 1),
        losses=sum(1 for message in messages if posted[message.id] == 0),
        failed_outcomes=sum(1 for outcome in outcomes if not outcome.ok),
    )


def report(figures: Figures) -> str:
    """The figures as aligned lines of text."""
    rows = [
        ("channels", f"{figures.channels}"),
        ("messages", f"{figures.messages}"),
        ("paced at", f"{WORKSPACE_RATE * PACE:g}/s (limit {WORKSPACE_RATE:g}/s)"),
        ("wall time", f"{figures.wall:.2f} s"),
        ("rate-limit lower bound", f"{figures.lower_bound:.2f} s"),
        ("wall / lower bound", f"{figures.ratio:.3f}"),
        ("posts accepted", f"{figures.accepted}"),
        ("429s answered", f"{figures.rejected_429}"),
        ("duplicates", f"{figures.duplicates}"),
        ("losses", f"{figures.losses}"),
        ("failed outcomes", f"{figures.failed_outcomes}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit 1 on a duplicate or a loss."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--channels", type=int, default=1000, help="subscribed channels")
    parser.add_argument("--per-channel", type=int, default=2, help="messages per channel")
    parser.add_argument("--workers", type=int, default=16, help="delivery threads")
    args = parser.parse_args(argv)
    if args.channels < 1 or args.per_channel < 1 or args.workers < 1:
        parser.error("--channels, --per-channel and --workers must be at least 1")
    figures = run(args.channels, args.per_channel, args.workers)
    print(report(figures))
    return 1 if figures.duplicates or figures.losses else 0


if __name__ == "__main__":
    raise SystemExit(main())
