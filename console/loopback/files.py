"""files_upload_v2 end to end: getUploadURLExternal, the upload itself, completeUploadExternal."""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from console.loopback.records import ApiError, Post, optional, required
from console.loopback.state import PERMALINK_HOST, Method, SlackState, Upload

FILES_HOST = "https://files.console.slack.invalid"
UPLOAD_PATH = "/upload/v1/"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def get_upload_url(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """files.getUploadURLExternal: an upload URL that points back at the fake."""
    filename = required(params, "filename")
    length = required(params, "length")
    if not length.isdigit():
        raise ApiError("invalid_arguments")
    file_id = slack.next_id("F")
    slack.uploads[file_id] = Upload(file_id, filename, int(length), optional(params, "alt_txt"))
    return {"upload_url": f"{slack.root_url}{UPLOAD_PATH}{file_id}", "file_id": file_id}


def receive_upload(slack: SlackState, file_id: str, data: bytes) -> None:
    """The POST to the upload URL: keep the bytes."""
    upload = slack.uploads.get(file_id)
    if upload is None:
        raise ApiError("file_not_found", status=404)
    upload.data = data


def complete_upload(slack: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    """files.completeUploadExternal: share the uploaded files in a channel (or none)."""
    entries = params.get("files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments")
    uploads: list[tuple[Upload, str]] = []
    for entry in entries:
        upload = slack.uploads.get(str(entry.get("id")) if isinstance(entry, dict) else "")
        if upload is None or upload.data is None:
            raise ApiError("file_not_found")
        uploads.append((upload, str(entry.get("title") or upload.filename)))
    targets = [c for c in str(params.get("channels") or "").split(",") if c]
    channel_id = optional(params, "channel_id")
    if channel_id is not None:
        targets.insert(0, channel_id)
    channels = [slack.writable_channel({"channel": target}) for target in targets]
    comment = str(params.get("initial_comment") or "")
    thread_ts = optional(params, "thread_ts")
    files = [
        _file_object(slack, upload, title, [c.id for c in channels]) for upload, title in uploads
    ]
    for channel in channels:
        ts = slack.next_ts()
        extra = {"files": files, "upload": True}
        slack.store_message(channel.id, ts, comment, None, thread_ts, author=None, extra=extra)
        for file in files:
            shown = {k: file[k] for k in ("id", "name", "title", "size", "mimetype", "permalink")}
            shown["path"] = file.get("path")
            shown["url"] = file["url_private"]
            slack.emit(Post("file", channel.id, None, ts, thread_ts, comment, None, shown))
    return {"files": files}


def _file_object(
    slack: SlackState, upload: Upload, title: str, channels: list[str]
) -> dict[str, Any]:
    data = upload.data or b""
    mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
    filetype = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else "binary"
    safe = _SAFE_NAME.sub("_", upload.filename)
    private = f"{FILES_HOST}/files-pri/{slack.team_id}-{upload.file_id}"
    file: dict[str, Any] = {
        "id": upload.file_id,
        "created": int(slack.clock()),
        "timestamp": int(slack.clock()),
        "name": upload.filename,
        "title": title,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": filetype.upper(),
        "user": slack.bot_user_id,
        "user_team": slack.team_id,
        "editable": False,
        "size": len(data),
        "mode": "hosted",
        "is_external": False,
        "is_public": bool(channels),
        "url_private": f"{private}/{safe}",
        "url_private_download": f"{private}/download/{safe}",
        "permalink": f"{PERMALINK_HOST}/files/{slack.bot_user_id}/{upload.file_id}/{safe}",
        "channels": channels,
        "groups": [],
        "ims": [],
        "alt_txt": upload.alt_txt or "",
    }
    if slack.files_dir is not None:
        slack.files_dir.mkdir(parents=True, exist_ok=True)
        path = slack.files_dir / f"{upload.file_id}-{safe}"
        path.write_bytes(data)
        file["path"] = str(path)
    return file


METHODS: dict[str, Method] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
