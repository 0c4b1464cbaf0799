"""auth.test, users.info, conversations.open and oauth.v2.access: the bot, a member, a DM,
and an install (whose answer carries a fresh bot token, as Slack's does)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.loopback.records import ApiError, FakeUser, optional, required
from console.loopback.state import PERMALINK_HOST, Method, SlackState


def auth_test(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """auth.test: the bot user and its workspace (Bolt asks on start and per installation)."""
    return {
        "url": f"{PERMALINK_HOST}/",
        "team": slack.team_name,
        "user": slack.users[slack.bot_user_id].name,
        "team_id": slack.team_id,
        "user_id": slack.bot_user_id,
        "bot_id": slack.bot_id,
        "is_enterprise_install": False,
    }


def users_info(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """users.info: a member's admin flags, time zone and profile."""
    user = slack.users.get(required(params, "user"))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user_object(slack, user)}


def conversations_open(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """conversations.open: the bot's DM with one member (already_open the second time)."""
    if optional(params, "channel") is not None:
        channel = slack.known_channel(params)
        return {"no_op": True, "already_open": True, "channel": {"id": channel.id}}
    raw = params.get("users")
    ids = raw if isinstance(raw, list) else [u.strip() for u in str(raw or "").split(",")]
    ids = [str(u) for u in ids if u]
    if not ids:
        raise ApiError("users_list_not_supplied")
    if len(ids) > 1:
        raise NotImplementedError("group DMs: Folio opens none, so the loopback keeps none")
    if ids[0] not in slack.users:
        raise ApiError("user_not_found")
    already = any(c.is_im and c.user == ids[0] for c in slack.channels.values())
    channel = slack.dm_with(ids[0])
    return {"no_op": already, "already_open": already, "channel": {"id": channel.id}}


def oauth_v2_access(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """oauth.v2.access: an install; the answer holds the new bot token (a secret to keep).

    With `grant_type=refresh_token` (token rotation): a fresh expiring bot token and the
    next refresh token, as Slack answers.
    """
    if optional(params, "grant_type") == "refresh_token":
        required(params, "refresh_token")
        serial = slack.next_id("")
        slack.rotated_tokens.append(f"xoxe.xoxb-{slack.team_id}-{serial}-rotated")
        return {
            "app_id": slack.app_id,
            "scope": "commands,chat:write,users:read",
            "token_type": "bot",
            "access_token": slack.rotated_tokens[-1],
            "refresh_token": f"xoxe-1-{slack.team_id}-{serial}-refresh",
            "expires_in": 43200,
            "bot_user_id": slack.bot_user_id,
            "team": {"id": slack.team_id, "name": slack.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
    required(params, "code")
    installer = next((u.id for u in slack.users.values() if u.is_admin), slack.bot_user_id)
    return {
        "app_id": slack.app_id,
        "authed_user": {"id": installer},
        "scope": "commands,chat:write,users:read",
        "token_type": "bot",
        "access_token": f"xoxb-{slack.team_id}-{slack.next_id('')}-installed",
        "bot_user_id": slack.bot_user_id,
        "team": {"id": slack.team_id, "name": slack.team_name},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def user_object(slack: SlackState, user: FakeUser) -> dict[str, Any]:
    """A member as users.info returns it."""
    try:
        zone = ZoneInfo(user.tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = datetime.fromtimestamp(slack.clock(), UTC).astimezone(zone)
    offset = local.utcoffset()
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": slack.team_id,
    }
    if user.is_bot:
        is_folio = user.id == slack.bot_user_id
        profile.update(bot_id=slack.bot_id if is_folio else "", always_active=True)
    return {
        "id": user.id,
        "team_id": slack.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": zone.key,
        "tz_label": local.tzname() or zone.key,
        "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
        "profile": profile,
        "is_admin": user.is_admin,
        "is_owner": user.is_owner,
        "is_primary_owner": user.is_owner,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
    }


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "conversations.open": conversations_open,
    "oauth.v2.access": oauth_v2_access,
}
