"""manifest.yml is a valid Slack app manifest that declares what Folio needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from tests.support.blockkit import SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = SCHEMAS / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_manifest_matches_slack_schema(manifest: dict[str, Any]) -> None:
    validator = Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]
    assert errors == []


def test_both_slash_commands_exist_and_escape_mentions(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/portfolio", "/roadmap"}
    for command in commands.values():
        assert command["should_escape"] is True
        assert command["usage_hint"]
        assert command["url"] == "https://folio.example.com/slack/events"


def test_bot_scopes_cover_posting_reading_and_files(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "commands",
        "chat:write",
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
        "reactions:write",
        "users:read",
        "im:write",
        "files:write",
        "channels:read",
        "groups:read",
    }
    assert needed <= scopes
    assert "chat:write.public" not in scopes


def test_bot_hears_channel_messages_and_interactivity_is_on(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert {"message.channels", "message.groups", "message.im"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    assert "app_home_opened" not in settings["event_subscriptions"]["bot_events"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert manifest["display_information"]["name"] == "Folio"
    assert manifest["features"]["bot_user"]["display_name"] == "Folio"


def test_manifest_scopes_are_the_ones_folio_asks_for_when_installed() -> None:
    import yaml

    from bot import BOT_SCOPES

    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
