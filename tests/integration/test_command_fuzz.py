"""Whatever anyone types, a command answers with a valid message and never raises."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.demo import DemoPeople, seed_demo
from console.loopback import FakeSlack, FakeUser
from domain.models import Base
from domain.services import Services, build_services
from domain.store import Store, make_engine
from domain.views import Actor
from handlers import command_sets
from handlers.commands import CommandSet, run_command
from handlers.delivery import build_client
from handlers.directory import Directory
from tests.support.blockkit import assert_valid_message

TEAM = "T0FUZZ"
MEMBER = Actor(TEAM, "U0CAROL")  # reads answer, changes are refused
MANAGER = Actor(TEAM, "U0ALICE", is_admin=True)  # changes go through
WORDS = [
    "setup",
    "add",
    "set",
    "show",
    "list",
    "rank",
    "remove",
    "grant",
    "use",
    "digest",
    "objective",
    "weights",
    "allocate",
    "balance",
    "export",
    "update",
    "remind",
    "help",
    "CHK",
    "PAY",
    "chk",
    "CHK-1",
    "CHK-99",
    "X",
    "ABCDEFGHIJK",
    "roi",
    "risk",
    "npv",
    "score",
    "top",
    "-3",
    "0",
    "category",
    "Growth",
    "weekly",
    "daily",
    "mon",
    "25:00",
    "09:00",
    "Europe/Berlin",
    "Mars/Olympus",
    "120k",
    "-5k",
    "lots",
    "140%",
    "70%",
    "€1.2M",
    "2027-Q1",
    "Q5 2027",
    "2027-02-30",
    "<@U0BOB>",
    "@bob",
    "<!channel>",
    "&amp;",
    "&lt;",
    "|",
    "| owner",
    "| investment",
    "| confidence",
    "| colour red",
    "| min Growth 30%",
    "| keep CHK",
    "| drop",
    "by",
    "stage",
    "health",
    "on track",
    "\x07",
    "—",
    "🙂",
    "",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, FakeSlack]]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "folio.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    store = Store(engine)
    people = DemoPeople(alice="U0ALICE", bob="U0BOB", dan="U0DAN", carol="U0CAROL")
    seed_demo(store, TEAM, people, datetime(2027, 3, 22, 10, tzinfo=UTC))
    users = [
        FakeUser("U0CAROL", "carol", "Carol"),
        FakeUser("U0BOB", "bob", "Bob"),
        FakeUser("U0ALICE", "alice", "Alice", is_admin=True),
    ]
    with FakeSlack(team_id=TEAM, users=users) as fake:
        yield build_services(store), fake
    engine.dispose()


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(command_sets()),
    actor=st.sampled_from([MEMBER, MANAGER]),
    words=st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=8),
)
def test_any_text_gets_a_valid_answer_and_never_raises(
    world: tuple[Services, FakeSlack], command: CommandSet, actor: Actor, words: list[str]
) -> None:
    services, fake = world
    reply = run_command(
        command,
        " ".join(words),
        actor=actor,
        channel_id="C0GENERAL",
        services=services,
        client=build_client("xoxb-fuzz", base_url=fake.base_url, max_retries=0),
        directory=Directory(),
    )
    payload = reply.message.payload()
    assert payload["text"]
    assert_valid_message(payload)


CHAT_WORDS = [
    "CHK:",
    "CHK-1:",
    "CHK-99:",
    "CHK metrics:",
    "CHK feedback:",
    "PAY-2:",
    "FYI:",
    "testing",
    "done",
    "80%",
    "140%",
    "blocked by",
    "blocker:",
    "unblocked",
    "at risk",
    "off-track",
    "revenue",
    "120k",
    "lots",
    "csat",
    "4.4",
    ",",
    "—",
    ";",
    "-",
    "<!channel>",
    "&",
    "",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.one_of(st.sampled_from(CHAT_WORDS), st.text(max_size=10)), max_size=8),
    actor=st.sampled_from([MEMBER, MANAGER, Actor(TEAM, "U0BOB")]),
    ts=st.integers(min_value=1, max_value=10**6),
)
def test_any_chat_message_is_recorded_ignored_or_answered_never_raises(
    world: tuple[Services, FakeSlack], words: list[str], actor: Actor, ts: int
) -> None:
    services, _ = world
    outcome = services.updates.record(
        actor, channel_id="C0ROADMAP", ts=f"1790000000.{ts:06d}", text=" ".join(words)
    )
    assert outcome.status in ("ignored", "recorded", "duplicate", "problem")
    if outcome.status == "problem":
        assert outcome.problem
