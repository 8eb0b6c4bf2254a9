"""The server side of RFC 6455, just enough for the tsa-daemon's event stream.

The tsa-daemon serves `/subscribe_event_v1` on its HTTP port, so the
simulator does the same: the HTTP handler upgrades the connection and this
module writes text frames, answers pings and notices a close. The client
sends nothing else (§5.2), so only control frames are read.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import select
import socket
import struct

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_key(client_key: str) -> str:
    """The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key`."""
    digest = hashlib.sha1((client_key + _GUID).encode(), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode()


class ServerSocket:
    """An upgraded connection: send text frames, poll for the peer's control frames."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.closed = False

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode())

    def close(self, code: int = 1000) -> None:
        if not self.closed:
            with contextlib.suppress(OSError):  # the peer may be gone already
                self._send(0x8, struct.pack("!H", code))
            self.closed = True

    def poll(self, timeout: float) -> None:
        """Wait up to `timeout` for a frame from the peer and handle it."""
        if self.closed:
            return
        try:
            readable, _, _ = select.select([self._sock], [], [], timeout)
            if readable:
                self._read_frame()
        except (OSError, ValueError):
            self.closed = True

    def _send(self, opcode: int, payload: bytes) -> None:
        head = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            head += bytes([size])
        elif size < 65536:
            head += bytes([126]) + struct.pack("!H", size)
        else:
            head += bytes([127]) + struct.pack("!Q", size)
        try:
            self._sock.sendall(head + payload)
        except OSError:
            self.closed = True
            raise

    def _read_frame(self) -> None:
        first = self._recv(2)
        opcode, size = first[0] & 0x0F, first[1] & 0x7F
        if size == 126:
            size = struct.unpack("!H", self._recv(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._recv(8))[0]
        mask = self._recv(4) if first[1] & 0x80 else b"\0\0\0\0"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._recv(size)))
        if opcode == 0x8:
            self.close()
        elif opcode == 0x9:
            self._send(0xA, payload)

    def _recv(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self._sock.recv(size - len(data))
            if not chunk:
                raise OSError("peer went away")
            data += chunk
        return data
