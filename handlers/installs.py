"""Installs, uninstalls and tokens: what Folio does when a workspace comes, goes or rotates.

- `app_uninstalled`: the workspace's installation (bot token) is deleted from slack_sdk's
  installation store (multi-workspace mode) and its digests pause. Its data is kept:
  portfolios, products, history and subscriptions stay, for a reinstall.
- `tokens_revoked`: the revoked bot token is deleted (`delete_bot`); digests pause likewise.
- An install (the OAuth flow's success, or a restart with a working SLACK_BOT_TOKEN) resumes
  the digests those pauses stopped.
- Token rotation: Bolt refreshes an expiring token before each request; `current_bot` does
  the same for the digest scheduler and the inbox worker, which work outside any request.
  Both refresh through SLACK_API_URL (Bolt's own rotator would always call slack.com).
- `app_rate_limited` (Slack tells an app it is over 30,000 events an hour) is acknowledged
  and logged, never answered 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

from domain.services import Services
from domain.services.installs import REVOKED, UNINSTALLED

log = logging.getLogger("folio.installs")
ROTATE_MINUTES = 120  # refresh a rotating token this long before it expires (Bolt's default)


def forget_workspace(
    context: BoltContext, *, services: Services, revocation: TokenRevocationListeners | None
) -> None:
    """`app_uninstalled`: delete the workspace's tokens, keep its data, pause its digests."""
    team_id = context.team_id or ""
    if revocation is not None:
        revocation.handle_app_uninstalled_events(context)
    paused = services.installs.lost_token(team_id, UNINSTALLED) if team_id else 0
    log.warning(
        "uninstalled team=%s: tokens deleted, %s digest subscriptions paused", team_id, paused
    )


def forget_tokens(
    event: dict[str, Any],
    context: BoltContext,
    *,
    services: Services,
    revocation: TokenRevocationListeners | None,
) -> None:
    """`tokens_revoked`: delete the revoked tokens; without a bot token, pause the digests."""
    team_id = context.team_id or ""
    if revocation is not None:
        revocation.handle_tokens_revoked_events(event, context)
    tokens = event.get("tokens") or {}
    bots = (tokens.get("bot") or []) if isinstance(tokens, dict) else []
    paused = services.installs.lost_token(team_id, REVOKED) if bots and team_id else 0
    log.warning(
        "tokens revoked team=%s bot=%s users=%s: %s digest subscriptions paused",
        team_id,
        len(bots),
        len(tokens.get("oauth") or []) if isinstance(tokens, dict) else 0,
        paused,
    )


def acknowledge_rate_limited(
    body: dict[str, Any], next_: Callable[[], None]
) -> BoltResponse | None:
    """Slack's `app_rate_limited` notice: 200 and a warning (Bolt has no listener for it)."""
    if body.get("type") == "app_rate_limited":
        log.warning(
            "Slack rate-limits our events team=%s minute=%s",
            body.get("team_id"),
            body.get("minute_rate_limited"),
        )
        return BoltResponse(status=200, body="")
    next_()
    return None


def register(app: App, services: Services) -> None:
    """Listen to uninstalls and revocations, and acknowledge Slack's rate-limit notices."""
    store = app.installation_store
    revocation = TokenRevocationListeners(store) if store is not None else None
    app.middleware(acknowledge_rate_limited)
    app.event("app_uninstalled")(
        partial(forget_workspace, services=services, revocation=revocation)
    )
    app.event("tokens_revoked")(partial(forget_tokens, services=services, revocation=revocation))


def install_callbacks(services: Services) -> CallbackOptions:
    """The OAuth flow's pages (Bolt's own), with the workspace's digests resumed on success."""

    def success(args: SuccessArgs) -> BoltResponse:
        team_id = args.installation.team_id
        if team_id:
            resumed = services.installs.installed(team_id)
            log.info("installed team=%s: %s digest subscriptions resumed", team_id, resumed)
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        return args.default.failure(args)

    return CallbackOptions(success=success, failure=failure)


def rotate_through(oauth: OAuthSettings, client: WebClient) -> TokenRotator | None:
    """Make Bolt's token rotation call SLACK_API_URL (the client's base URL); the rotator."""
    if not (oauth.client_id and oauth.client_secret):
        return None
    rotator = TokenRotator(
        client_id=oauth.client_id, client_secret=oauth.client_secret, client=client
    )
    authorize: Any = oauth.authorize
    if hasattr(authorize, "token_rotator"):
        authorize.token_rotator = rotator
    return rotator


def current_bot(store: InstallationStore, team_id: str, rotator: TokenRotator | None) -> Bot | None:
    """The workspace's bot, its token refreshed (and saved) when it is about to expire."""
    bot = store.find_bot(enterprise_id=None, team_id=team_id)
    if bot is None or bot.bot_refresh_token is None or rotator is None:
        return bot
    refreshed = rotator.perform_bot_token_rotation(
        bot=bot, minutes_before_expiration=ROTATE_MINUTES
    )
    if refreshed is None:
        return bot
    store.save_bot(refreshed)
    log.info("bot token rotated team=%s", team_id)
    return refreshed


def resume_single_workspace(client: WebClient, services: Services) -> None:
    """With SLACK_BOT_TOKEN: the token works again, so resume digests a lost token paused."""
    try:
        team_id = str(client.auth_test().get("team_id") or "")
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not check the workspace of SLACK_BOT_TOKEN: %s", error)
        return
    if team_id:
        resumed = services.installs.installed(team_id)
        if resumed:
            log.info("team=%s: %s digest subscriptions resumed", team_id, resumed)


def oauth_settings(
    client_id: str,
    client_secret: str | None,
    scopes: Sequence[str],
    engine: Any,
    services: Services,
) -> OAuthSettings:
    """Multi-workspace installs: slack_sdk's SQLAlchemy installation and state stores.

    An install resumes the digests an uninstall paused (handlers.installs).
    """
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    installation_store = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    state_store = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    installation_store.create_tables()  # type: ignore[no-untyped-call]
    state_store.metadata.create_all(engine)
    return OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(scopes),
        installation_store=installation_store,
        state_store=state_store,
        callback_options=install_callbacks(services),
    )
