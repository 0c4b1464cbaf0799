"""/portfolio export: this channel's portfolio as a CSV file, sent to the asker in a DM."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from domain.commands.common import parse_nothing
from handlers.commands import CommandSet, Reply, Request
from handlers.delivery.client import UPLOAD_TIMEOUT, with_timeout
from handlers.render import escape
from handlers.replies import cant_post, text_message

EXPORT_USAGE = "/portfolio export"


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio export."""
    portfolio.add("export", EXPORT_USAGE, send_export, examples=(EXPORT_USAGE,))


def send_export(req: Request) -> Reply:
    """Send yourself this channel's portfolio as a CSV file (importable with `bot.py import`)."""
    parse_nothing(req.cmd, EXPORT_USAGE)
    exported = req.services.transfer.export(req.actor, req.channel_id)
    opened = req.client.conversations_open(users=req.actor.user_id)
    dm = str(opened["channel"]["id"])
    uploader = with_timeout(req.client, UPLOAD_TIMEOUT)  # the file itself goes up too
    try:
        uploader.files_upload_v2(
            channel=dm,
            file=exported.text.encode("utf-8-sig"),
            filename=exported.filename,
            title=f"{exported.portfolio} products",
            initial_comment=export_comment(exported.count, exported.portfolio, exported.filename),
        )
    except SlackApiError as error:
        return Reply(cant_post(error, "send you the file"))
    return Reply(
        text_message(
            f":inbox_tray: Sent you *{escape(exported.filename)}* ({exported.count:,} products) "
            "in a direct message."
        )
    )


def export_comment(count: int, portfolio: str, filename: str) -> str:
    """The DM's comment on the file, mrkdwn-escaped like every message (a name is user text)."""
    command = f'python bot.py import {filename} --portfolio "{portfolio}"'
    return f"{count:,} products of {escape(portfolio)}. Edit and import with `{escape(command)}`."
