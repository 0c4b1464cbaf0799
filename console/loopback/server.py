"""HTTP on 127.0.0.1: the threaded server, request parsing and Slack-shaped replies."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from console.loopback.records import ApiError

_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "files": "invalid_arguments",
    "view": "invalid_arguments",
    "metadata": "invalid_metadata_format",
}


@dataclass(frozen=True)
class Reply:
    """An HTTP answer."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


Serve = Callable[[str, Message, bytes], Reply]


def json_reply(
    data: dict[str, Any], *, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    """A JSON answer."""
    return Reply(status, json.dumps(data).encode("utf-8"), headers=headers)


def error_reply(error: ApiError) -> Reply:
    """{"ok": false, "error": ...} with the error's status (and Retry-After on a 429)."""
    headers: tuple[tuple[str, str], ...] = ()
    if error.retry_after is not None:
        headers = (("Retry-After", str(error.retry_after)),)
    body = {"ok": False, "error": error.error, **error.extra}
    return json_reply(body, status=error.status, headers=headers)


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header."""
    if header and header.lower().startswith("bearer "):
        return header[len("bearer ") :].strip() or None
    return None


def parse_params(content_type: str, body: bytes, query: str) -> tuple[dict[str, Any], str | None]:
    """Merge query, then form or JSON body; decode JSON-valued fields. Returns (params, error)."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    error: str | None = None
    if body:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if isinstance(data, dict):
                params.update(data)
            else:
                error = "invalid_json"
        elif kind == "multipart/form-data":
            error = "invalid_form_data"
        else:
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    for key, failure in _JSON_FIELDS.items():
        value = params.get(key)
        if isinstance(value, str) and value:
            try:
                params[key] = json.loads(value)
            except ValueError:
                error = error or failure
    return params, error


class Server(ThreadingHTTPServer):
    """A threaded HTTP server on a free loopback port that hands every request to ``serve``."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, serve: Serve) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.serve = serve


class _Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        """Serve a Web API, response_url or upload request."""
        self._serve()

    def do_GET(self) -> None:
        """Serve a Web API request sent with query parameters."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: no logging per request."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.serve(self.path, self.headers, body)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a delayed answer)
