"""Slash commands take the words chat updates take: healths, statuses, keys, clearing."""

from __future__ import annotations

import pytest

from domain.commands.portfolio import parse_set, parse_single_key
from domain.commands.roadmap import ItemFields, parse_roadmap_update
from domain.errors import InvalidInput
from domain.grammar import split_command


def update(text: str) -> tuple[str, int, ItemFields]:
    return parse_roadmap_update(split_command(f"update {text}"))


@pytest.mark.parametrize(("written", "health"), [("red", "off track"), ("amber", "at risk")])
def test_set_takes_the_health_colours_chat_takes(written: str, health: str) -> None:
    key, fields = parse_set(split_command(f"set CHK | health {written}"))
    assert (key, fields.health) == ("CHK", health)


def test_keys_in_any_case_name_the_product() -> None:
    assert parse_single_key(split_command("show chk"), "/portfolio show CHK") == "CHK"
    assert update("chk-3 testing")[:2] == ("CHK", 3)


@pytest.mark.parametrize(
    ("text", "status", "progress"),
    [
        ("CHK-3 wip 50%", "in progress", 50),
        ("CHK-3 shipped", "done", None),
        ("CHK-3 testing, 80%", "testing", 80),
        ("CHK-3 | status qa", "testing", None),
    ],
)
def test_update_takes_the_status_synonyms_chat_takes(
    text: str, status: str, progress: int | None
) -> None:
    fields = update(text)[2]
    assert (fields.status, fields.progress) == (status, progress)


def test_a_mistyped_status_gets_the_same_did_you_mean_as_in_chat() -> None:
    with pytest.raises(InvalidInput, match=r"`tseting` isn't a status\. Did you mean `testing`"):
        update("CHK-2 tseting 50%")


@pytest.mark.parametrize(
    "text", ["CHK-4 | blocker none", "CHK-4 | blocker -", "CHK-4 | unblocked", "CHK-4 unblocked"]
)
def test_none_dash_and_unblocked_clear_the_blocker(text: str) -> None:
    fields = update(text)[2]
    assert fields.clears_blocker and fields.blocker is None


def test_a_real_blocker_is_kept() -> None:
    fields = update("CHK-4 | blocker legal review")[2]
    assert (fields.blocker, fields.clears_blocker) == ("legal review", False)


def test_unblocked_and_a_blocker_together_are_refused() -> None:
    with pytest.raises(InvalidInput, match="contradict"):
        update("CHK-4 | unblocked | blocker legal")
    with pytest.raises(InvalidInput, match="both blocked and unblocked"):
        update("CHK-4 unblocked | blocker legal")
