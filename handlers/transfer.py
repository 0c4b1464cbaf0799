"""/portfolio export: this channel's portfolio as a CSV file, sent to the asker in a DM."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from domain.commands.common import parse_nothing
from handlers.commands import CommandSet, Reply, Request
from handlers.render import escape
from handlers.replies import cant_post, text_message

EXPORT_USAGE = "/portfolio export"


def add_subcommands(portfolio: CommandSet, roadmap: CommandSet) -> None:
    """/portfolio export."""
    portfolio.add("export", EXPORT_USAGE, send_export)


def send_export(req: Request) -> Reply:
    """Send yourself this channel's portfolio as a CSV file (importable with `bot.py import`)."""
    parse_nothing(req.cmd, EXPORT_USAGE)
    exported = req.services.transfer.export(req.actor, req.channel_id)
    opened = req.client.conversations_open(users=req.actor.user_id)
    dm = str(opened["channel"]["id"])
    try:
        req.client.files_upload_v2(
            channel=dm,
            file=exported.text.encode("utf-8-sig"),
            filename=exported.filename,
            title=f"{exported.portfolio} products",
            initial_comment=(
                f"{exported.count:,} products of {exported.portfolio}. Edit and import with "
                f'`python bot.py import {exported.filename} --portfolio "{exported.portfolio}"`.'
            ),
        )
    except SlackApiError as error:
        return Reply(cant_post(error, "send you the file"))
    return Reply(
        text_message(
            f":inbox_tray: Sent you *{escape(exported.filename)}* ({exported.count:,} products) "
            "in a direct message."
        )
    )
