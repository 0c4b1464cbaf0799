"""Answers through response_url: only to Slack's hosts, retried, checked, never lost quietly.

Bolt's own respond() posts to whatever URL the body names and returns Slack's answer without
looking at it; a refused answer (an expired or used URL, blocks Slack won't take) was never seen
by anyone. `ResponseUrl` replaces it for every request (handlers.errors installs it):

- it posts only to Slack's response_url hosts (SLACK_HOOK_HOSTS) or to the host of
  SLACK_API_URL (GovSlack, a proxy, the tests' loopback Slack); any other URL is not called;
- it retries 429 and 500/503 and connection errors with the client's policy (retry_handlers);
- when the answer is refused or cannot be sent, it logs why with the team, user and command,
  and gives the answer another way: chat.postMessage for an answer meant for the channel,
  chat.postEphemeral to the person otherwise (text alone if Slack refused the layout).
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient, WebhookResponse

from handlers.delivery.client import RESPONSE_URL_TIMEOUT, Sleep, retry_handlers
from handlers.delivery.errors import (
    CONNECTION_ERROR,
    Remedy,
    api_error_code,
    remedy,
    response_messages,
    webhook_error_code,
)

log = logging.getLogger("folio.respond")
SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
NOT_SLACK = "not_a_slack_host"
TEXT_LIMIT = 3000  # what an answer without blocks keeps of its text


@dataclass(frozen=True)
class HostPolicy:
    """Where a response_url may point: Slack's hook hosts, or SLACK_API_URL's own host.

    SLACK_API_URL's host counts on any port: a proxy in front of the Web API (as in the
    outage tests) leaves response_urls on the host it stands for.
    """

    api_url: str

    def allows(self, url: str) -> bool:
        """Whether Folio may post to this URL."""
        try:
            parts, api = urlsplit(url), urlsplit(self.api_url)
            port = parts.port  # a malformed port raises here
        except ValueError:
            return False
        if parts.username is not None or parts.password is not None or not parts.hostname:
            return False
        if parts.scheme == "https" and parts.hostname in SLACK_HOOK_HOSTS and port in (None, 443):
            return True
        return (parts.scheme, parts.hostname) == (api.scheme, api.hostname)


@dataclass(frozen=True)
class Asker:
    """Who a response_url answer is for, and what they asked (for the log and the fallback)."""

    team_id: str | None
    channel_id: str | None
    user_id: str | None
    what: str


class ResponseUrl(Respond):
    """Bolt's respond(), posting only to Slack, retried, checked, with a fallback."""

    def __init__(
        self,
        *,
        response_url: str,
        client: WebClient,
        asker: Asker,
        max_retries: int = 3,
        sleep: Sleep = time.sleep,
    ) -> None:
        super().__init__(response_url=response_url, proxy=client.proxy, ssl=client.ssl)
        self.client = client
        self.asker = asker
        self.policy = HostPolicy(client.base_url)
        self.max_retries = max_retries
        self.sleep = sleep

    def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        """Post the answer; on a refusal, log it and give the answer another way."""
        message: dict[str, Any] = dict(text) if isinstance(text, dict) else {"text": text}
        optional = {
            "blocks": list(blocks) if blocks else None,
            "attachments": list(attachments) if attachments else None,
            "response_type": response_type,
            "replace_original": replace_original,
            "delete_original": delete_original,
            "unfurl_links": unfurl_links,
            "unfurl_media": unfurl_media,
            "thread_ts": thread_ts,
            "metadata": metadata,
        }
        message.update({k: v for k, v in optional.items() if v is not None})
        url = self.response_url or ""
        if not self.policy.allows(url):
            log.warning(
                "response_url is not Slack's; not calling it team=%s user=%s command=%s host=%s",
                self.asker.team_id,
                self.asker.user_id,
                self.asker.what,
                _host(url),
            )
            refused = WebhookResponse(url="", status_code=0, body="", headers={})
            return self._instead(message, NOT_SLACK, refused)
        webhook = WebhookClient(
            url,
            timeout=RESPONSE_URL_TIMEOUT,
            proxy=self.proxy,
            ssl=self.ssl,
            retry_handlers=retry_handlers(self.max_retries, self.sleep),
        )
        try:
            response = webhook.send_dict(message)
        except (SlackClientError, OSError, http.client.HTTPException) as error:
            log.warning(
                "response_url unreachable team=%s user=%s command=%s error=%s",
                self.asker.team_id,
                self.asker.user_id,
                self.asker.what,
                type(error).__name__,
            )
            failed = WebhookResponse(url=url, status_code=0, body="", headers={})
            return self._instead(message, CONNECTION_ERROR, failed)
        if _accepted(response):
            return response
        code = webhook_error_code(response.status_code, response.body)
        log.warning(
            "response_url refused the answer team=%s user=%s command=%s status=%s error=%s",
            self.asker.team_id,
            self.asker.user_id,
            self.asker.what,
            response.status_code,
            code,
        )
        return self._instead(message, code, response)

    def _instead(
        self, message: dict[str, Any], code: str, response: WebhookResponse
    ) -> WebhookResponse:
        """Give the answer with the Web API instead; log if even that fails."""
        text = str(message.get("text") or "")
        blocks = message.get("blocks")
        if remedy(code) in (Remedy.BAD_MESSAGE, Remedy.TOO_LONG):
            blocks = None
            text = text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"
        if not (text or blocks) or not self.asker.channel_id:
            return response
        try:
            if message.get("response_type") == "in_channel":
                try:
                    self.client.chat_postMessage(
                        channel=self.asker.channel_id, text=text, blocks=blocks
                    )
                    return response
                except SlackApiError as error:
                    log.warning(
                        "could not post the answer in the channel either team=%s channel=%s "
                        "error=%s",
                        self.asker.team_id,
                        self.asker.channel_id,
                        api_error_code(error),
                    )
            if not self.asker.user_id:
                return response
            self.client.chat_postEphemeral(
                channel=self.asker.channel_id, user=self.asker.user_id, text=text, blocks=blocks
            )
            log.info(
                "answered with chat.postEphemeral instead team=%s user=%s command=%s",
                self.asker.team_id,
                self.asker.user_id,
                self.asker.what,
            )
        except SlackApiError as error:
            log.error(
                "could not answer at all team=%s user=%s command=%s error=%s messages=%s",
                self.asker.team_id,
                self.asker.user_id,
                self.asker.what,
                api_error_code(error),
                response_messages(error),
            )
        except (SlackClientError, OSError, http.client.HTTPException) as error:
            log.error(
                "could not answer at all team=%s user=%s command=%s error=%s",
                self.asker.team_id,
                self.asker.user_id,
                self.asker.what,
                type(error).__name__,
            )
        return response


def _accepted(response: WebhookResponse) -> bool:
    """Slack took the answer: HTTP 200, and not a JSON body saying ok: false."""
    if response.status_code != 200:
        return False
    body = (response.body or "").strip()
    if body.startswith("{"):
        try:
            data = json.loads(body)
        except ValueError:
            return True
        return not (isinstance(data, dict) and data.get("ok") is False)
    return True


def _host(url: str) -> str:
    """The host a URL names, for the log (never its path, which is the secret part)."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"
