"""Slack delivery: the client with its retries, the rate-paced fan-out, and Slack's error codes.

- client: build_client (SLACK_API_URL, slack_sdk's 429/5xx/connection retry handlers)
- fanout: deliver (ordered per channel, paced, parallel; one typed Outcome per message)
- lanes: the shared state of one fan-out (a lane per channel, settling what cannot go)
- outcomes: Outgoing (a message to post) and Outcome (what became of it)
- errors: the one place that reads Slack's error codes and classifies them for the domain
"""

from __future__ import annotations

from handlers.delivery.client import Sleep, build_client
from handlers.delivery.errors import CHANNEL_ERRORS, Refusal, classify, no_token, refusal
from handlers.delivery.fanout import deliver
from handlers.delivery.outcomes import Outcome, Outgoing

__all__ = [
    "CHANNEL_ERRORS",
    "Outcome",
    "Outgoing",
    "Refusal",
    "Sleep",
    "build_client",
    "classify",
    "deliver",
    "no_token",
    "refusal",
]
