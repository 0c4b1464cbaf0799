"""A loopback stand-in for Slack's Socket Mode WebSocket, in the standard library only.

Like slack_sdk's own tests (tests/slack_sdk/socket_mode/mock_socket_mode_server.py), it
serves the URL `apps.connections.open` hands out (FakeSlack answers with `url`), says
`hello`, sends envelopes (`slash_commands`, `events_api`, `interactive`) the way Slack
frames them, answers pings with pongs, and records the acknowledgements the app sends back
(`{"envelope_id": …, "payload": …}`). RFC 6455 framing: client frames are masked, ours not.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from types import TracebackType
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x8, 0x9, 0xA, 0x0


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept answer to a Sec-WebSocket-Key."""
    digest = hashlib.sha1((key + GUID).encode()).digest()  # noqa: S324 (RFC 6455 says SHA-1)
    return base64.b64encode(digest).decode()


def frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, final frame (what a server sends)."""
    head = bytes([0x80 | opcode])
    size = len(payload)
    if size < 126:
        head += bytes([size])
    elif size < 1 << 16:
        head += bytes([126]) + struct.pack("!H", size)
    else:
        head += bytes([127]) + struct.pack("!Q", size)
    return head + payload


def _read_exact(conn: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def read_frame(conn: socket.socket) -> tuple[int, bool, bytes]:
    """One frame from the client: (opcode, final, unmasked payload)."""
    first, second = _read_exact(conn, 2)
    size = second & 0x7F
    if size == 126:
        size = struct.unpack("!H", _read_exact(conn, 2))[0]
    elif size == 127:
        size = struct.unpack("!Q", _read_exact(conn, 8))[0]
    mask = _read_exact(conn, 4) if second & 0x80 else b""
    data = _read_exact(conn, size)
    if mask:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return first & 0x0F, bool(first & 0x80), data


class SocketModeStandIn:
    """Slack's side of one Socket Mode connection at a time, on 127.0.0.1."""

    def __init__(self, app_id: str = "A0FOLIO") -> None:
        self.app_id = app_id
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._conn: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._changed = threading.Condition()
        self.acks: dict[str, dict[str, Any]] = {}
        self.connections = 0
        self.pings = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="socket-mode", daemon=True)

    @property
    def url(self) -> str:
        """What apps.connections.open answers."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4().hex}&app_id={self.app_id}"

    def __enter__(self) -> SocketModeStandIn:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._listener.close()
        if self._conn is not None:
            self._conn.close()

    # -- what a test calls --------------------------------------------------------------------

    def wait_connected(self, timeout: float = 30) -> bool:
        """Wait until the app has connected (and been greeted)."""
        return self._wait(lambda: self.connections > 0, timeout)

    def send(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False
    ) -> str:
        """Send an envelope as Slack does; its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        self._send(frame(TEXT, json.dumps(envelope).encode()))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 15) -> dict[str, Any] | None:
        """The acknowledgement the app sent for an envelope, once it has (None on timeout)."""
        self._wait(lambda: envelope_id in self.acks, timeout)
        return self.acks.get(envelope_id)

    # -- the server ---------------------------------------------------------------------------

    def _wait(self, done: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def _send(self, data: bytes) -> None:
        conn = self._conn
        if conn is None:
            raise ConnectionError("the app is not connected")
        with self._send_lock:
            conn.sendall(data)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._handshake(conn)
            self._conn = conn
            self._send(frame(TEXT, json.dumps(self._hello()).encode()))
            with self._changed:
                self.connections += 1
                self._changed.notify_all()
            self._read(conn)
        except (ConnectionError, OSError):
            pass
        except Exception as error:  # recorded for the test to show
            self.errors.append(repr(error))
        finally:
            conn.close()

    def _handshake(self, conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(1024)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            request += chunk
        headers = dict(
            line.split(":", 1) for line in request.decode().split("\r\n")[1:] if ":" in line
        )
        key = next(
            v.strip() for k, v in headers.items() if k.strip().lower() == "sec-websocket-key"
        )
        conn.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
            ).encode()
        )

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "loopback", "approximate_connection_time": 3600},
            "connection_info": {"app_id": self.app_id},
        }

    def _read(self, conn: socket.socket) -> None:
        buffered = b""
        while not self._stop.is_set():
            opcode, final, data = read_frame(conn)
            if opcode == PING:
                self.pings += 1
                self._send(frame(PONG, data))
                continue
            if opcode == CLOSE:
                self._send(frame(CLOSE, data[:2]))
                return
            if opcode not in (TEXT, CONTINUATION):
                continue
            buffered += data
            if not final:
                continue
            message, buffered = json.loads(buffered.decode()), b""
            if isinstance(message, dict) and "envelope_id" in message:
                with self._changed:
                    self.acks[str(message["envelope_id"])] = message
                    self._changed.notify_all()
