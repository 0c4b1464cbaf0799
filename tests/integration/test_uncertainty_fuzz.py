"""Any what-if, scenario, frontier, forecast or outcome text gets an answer, never an exception."""

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
from handlers.commands import run_command
from handlers.delivery import build_client
from handlers.directory import Directory
from tests.support.blockkit import assert_valid_message

TEAM = "T0FUZZ"
MEMBER = Actor(TEAM, "U0CAROL")
OWNER = Actor(TEAM, "U0BOB")
MANAGER = Actor(TEAM, "U0ALICE", is_admin=True)
VERBS = ["whatif", "whatif allocate", "scenario", "frontier", "forecast", "outcome", "calibration"]
WORDS = [
    "save", "list", "show", "compare", "apply", "drop", "lean", "bold", "allocate", "CHK",
    "PAY", "NOPE", "chk", "1.7m", "-15%", "+10%", "15%", "-100%", "€1m", "0", "lots",
    "success", "failure", "won", "| set CHK confidence 40%", "| set PAY return 300k",
    "| set CHK colour red", "| set CHK owner <@U0BOB>", "| set", "| set CHK", "| min Growth 30%",
    "| max Core 10%", "| min Core 99%", "| keep LEG", "| drop CHK", "| by score",
    "| target 3m", "| target €3m", "| target", "| realised 350k", "| realized 1k",
    "| on 2027-06-30", "| on 2030-01-01", "| on yesterday", "calibrated", "|", "&lt;", "🙂", "",
]  # fmt: skip


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
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    verb=st.sampled_from(VERBS),
    actor=st.sampled_from([MEMBER, OWNER, MANAGER]),
    words=st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=6),
)
def test_any_uncertainty_command_gets_a_valid_answer(
    world: tuple[Services, FakeSlack], verb: str, actor: Actor, words: list[str]
) -> None:
    services, fake = world
    portfolio, _ = command_sets()
    reply = run_command(
        portfolio,
        " ".join([verb, *words]),
        actor=actor,
        channel_id="C0GENERAL",
        services=services,
        client=build_client("xoxb-fuzz", base_url=fake.base_url, max_retries=0),
        directory=Directory(),
    )
    payload = reply.message.payload()
    assert payload["text"]
    assert_valid_message(payload)
