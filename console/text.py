"""One post (message, ephemeral, response, reaction, file, view) as the terminal shows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console.blockkit import PAGE_WIDTH, Number, Renderer
from console.loopback import Post
from console.mrkdwn import BOLD, DIM, channel_label, style

BOT_NAME = "Folio"


def _attachments_text(attachments: Any, renderer: Renderer) -> list[str]:
    if not isinstance(attachments, list):
        return []
    lines: list[str] = []
    for attachment in attachments:
        if not isinstance(attachment, dict):
            continue
        parts = [str(attachment[k]) for k in ("pretext", "title") if attachment.get(k)]
        if attachment.get("blocks"):
            parts.append(renderer.render(attachment["blocks"]))
        elif attachment.get("text"):
            parts.append(renderer.mrkdwn(str(attachment["text"])))
        lines.extend(f"│ {line}" for part in parts for line in part.split("\n"))
    return lines


def _compose(label: str, body: str) -> str:
    if not body:
        return label
    return f"{label} {body}" if "\n" not in body else f"{label}\n{body}"


def _indent_reply(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(["  ↳ " + lines[0], *("    " + line for line in lines[1:])])


def render_post(
    post: Post,
    *,
    users: Mapping[str, str],
    channels: Mapping[str, str],
    color: bool,
    bot_name: str = BOT_NAME,
    width: int = PAGE_WIDTH,
    number: Number | None = None,
) -> str:
    """One visible effect as the terminal shows it, prefixed by where and by whom.

    `number` numbers its buttons and menus for `:press N` (console.buttons).
    """
    renderer = Renderer(users, channels, color, width, number)
    body = renderer.render(post.blocks) if post.blocks else renderer.mrkdwn(post.text)
    extra_lines = _attachments_text(post.extra.get("attachments"), renderer)
    if extra_lines:
        body = "\n".join([body, *extra_lines]) if body else "\n".join(extra_lines)
    where = channel_label(post.channel, channels) if post.channel else ""
    speaker = f"{style(where, BOLD, color)}  {bot_name}:" if where else f"{bot_name}:"
    private = style("(only visible to you)", DIM, color) + f"  {bot_name}:"
    edited = (
        f"{style(where, BOLD, color)}  {bot_name} (edited):" if where else f"{bot_name} (edited):"
    )
    is_reply = post.thread_ts is not None and post.thread_ts != post.ts

    if post.kind == "reaction":
        verb = "removed" if post.extra.get("removed") else "reacted"
        return f"  {bot_name} {verb} :{post.extra.get('name', post.text)}:"
    if post.kind == "delete":
        text = f"{where}  {bot_name} deleted a message".strip()
    elif post.kind == "update":
        text = _compose(edited, body)
    elif post.kind == "ephemeral":
        text = _compose(private, body)
    elif post.kind == "response":
        text = _response_text(post, speaker, private, body, bot_name, edited)
    elif post.kind == "file":
        location = (
            post.extra.get("path") or post.extra.get("url") or post.extra.get("permalink") or ""
        )
        title = post.extra.get("title") or post.extra.get("name") or "file"
        clip = f"📎 {title} ({location})" if location else f"📎 {title}"
        text = f"{_compose(speaker, body)}\n{clip}" if post.text else clip
    elif post.kind == "view":
        view = post.extra.get("view") or {}
        kind = "App Home" if view.get("type") == "home" else "modal"
        label = f"[{kind}: {post.text}]" if post.text else f"[{kind}]"
        text = _compose(label, body)
    else:
        text = _compose(speaker, body)
    return _indent_reply(text) if is_reply else text


def _response_text(
    post: Post, speaker: str, private: str, body: str, bot_name: str, edited: str
) -> str:
    if post.extra.get("delete_original"):
        return f"({bot_name} deleted the original message)"
    label = speaker if post.extra.get("response_type") == "in_channel" else private
    if post.extra.get("replace_original") and post.extra.get("message_ts"):
        label = edited  # the message it replaces stays where it was, changed
    elif post.extra.get("replace_original"):
        label = f"{label} (replaces the original)"
    return _compose(label, body)
