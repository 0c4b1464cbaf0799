"""manifest.yml is a valid Slack app manifest that declares exactly what Folio uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from bot import BOT_SCOPES
from handlers.shortcuts import LOG_UPDATE
from tests.support.blockkit import SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = SCHEMAS / "manifest.schema.1.0.0.json"
EVENTS_URL = "https://folio.example.com/slack/events"
# What each scope is for: a scope nothing here needs is one Folio should not ask for.
SCOPE_USES = {
    "commands": "slash commands and the message shortcut",
    "chat:write": "answers, digests, DMs, chat.update",
    "channels:history": "message.channels",
    "groups:history": "message.groups",
    "im:history": "message.im",
    "mpim:history": "message.mpim",
    "app_mentions:read": "app_mention",
    "reactions:write": "the ✅ on a recorded update",
    "users:read": "users.info (roles, time zones)",
    "im:write": "conversations.open for DMs",
    "files:write": "charts",
}


def load_manifest() -> dict[str, Any]:
    """manifest.yml as a dict."""
    loaded = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load_manifest()


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
        assert command["url"] == EVENTS_URL


def test_scopes_are_the_ones_folio_uses_and_asks_for_when_installed(
    manifest: dict[str, Any],
) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == sorted(set(scopes))
    assert set(scopes) == set(BOT_SCOPES) == set(SCOPE_USES)
    for unused in ("channels:read", "groups:read", "chat:write.public", "users:read.email"):
        assert unused not in scopes


def test_the_app_home_tab_the_shortcut_and_interactivity_are_declared(
    manifest: dict[str, Any],
) -> None:
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True and home["messages_tab_enabled"] is True
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut == {
        "name": "Log as roadmap update",
        "type": "message",
        "callback_id": LOG_UPDATE,
        "description": shortcut["description"],
    }
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity == {
        "is_enabled": True,
        "request_url": EVENTS_URL,
        "message_menu_options_url": EVENTS_URL,
    }


def test_folio_subscribes_the_events_it_handles_and_no_others(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == EVENTS_URL
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
        "app_mention",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert "user_events" not in settings["event_subscriptions"]
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert manifest["display_information"]["name"] == "Folio"
    assert manifest["features"]["bot_user"]["display_name"] == "Folio"
