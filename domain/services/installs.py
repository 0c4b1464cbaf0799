"""A workspace that uninstalls Folio, or revokes its token, keeps its data; its digests pause.

Slack's `app_uninstalled` and `tokens_revoked` (or a scheduled digest that finds no token)
pause every active digest subscription of the workspace, with the reason, so the outbox no
longer claims, composes or retries postings nobody can send, and no reminder DMs are tried.
Nothing is deleted: portfolios, products, history and subscriptions stay. Installing Folio
again resumes exactly the subscriptions these pauses stopped (a channel that refused a post
stays paused until someone subscribes it again).
"""

from __future__ import annotations

from sqlalchemy import update

from domain.models import DigestSubscription
from domain.services.clock import Clock
from domain.store import Store

UNINSTALLED = "app_uninstalled"
REVOKED = "tokens_revoked"
NO_TOKEN = "no_bot_token"  # noqa: S105 (a reason, not a secret)
REASONS = (UNINSTALLED, REVOKED, NO_TOKEN)


class InstallService:
    """Pauses a workspace's digests when Folio loses its token there; resumes them on install."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def lost_token(self, team_id: str, reason: str) -> int:
        """Pause the workspace's active digest subscriptions; how many were paused."""
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        now = self.clock()
        with self.store.transaction(team_id) as tenant:
            result = tenant.execute(
                update(DigestSubscription)
                .where(
                    DigestSubscription.removed_at.is_(None),
                    DigestSubscription.paused.is_(False),
                )
                .values(paused=True, paused_reason=reason, paused_at=now, updated_at=now)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def installed(self, team_id: str) -> int:
        """Resume the subscriptions a lost token paused; how many were resumed."""
        now = self.clock()
        with self.store.transaction(team_id) as tenant:
            result = tenant.execute(
                update(DigestSubscription)
                .where(
                    DigestSubscription.removed_at.is_(None),
                    DigestSubscription.paused.is_(True),
                    DigestSubscription.paused_reason.in_(REASONS),
                )
                .values(paused=False, paused_reason=None, paused_at=None, updated_at=now)
            )
            return int(getattr(result, "rowcount", 0) or 0)
