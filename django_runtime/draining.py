"""uvicorn's HTTP protocol, closing a connection only once the kernel has sent what was written.

When a container's last process exits its network namespace goes, and with it every byte still
queued in its sockets: the client of a large download sees a reset just before the end. uvicorn
closes a finished connection as soon as the response is handed to the socket, and exits when
its connections are closed; this protocol closes each one only after its send queues (asyncio's
and the kernel's) are empty, so a graceful shutdown also waits for the bytes to leave.
"""

import asyncio
import fcntl
import struct
import termios
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

POLL_SECONDS = 0.01
# Long enough for any client that is still reading; the graceful shutdown bounds it too.
MOST_SECONDS = 30


def unsent_bytes(transport: asyncio.Transport) -> int:
    """Bytes written but not yet acknowledged by the peer: asyncio's buffer plus the kernel's."""
    queued = transport.get_write_buffer_size()
    sock = transport.get_extra_info("socket")
    if sock is None:
        return queued
    try:
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, struct.pack("i", 0))
    except OSError:
        return queued  # the socket is gone: nothing more can be sent
    return queued + struct.unpack("i", raw)[0]


class DrainingTransport:
    """A transport whose close() waits for its bytes to be sent, then closes."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._closing: asyncio.Task | None = None

    def __getattr__(self, name: str):
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        return self._closing is not None or self._transport.is_closing()

    def close(self) -> None:
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(self._close_when_sent())

    async def _close_when_sent(self) -> None:
        deadline = time.monotonic() + MOST_SECONDS
        while unsent_bytes(self._transport) and time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
        self._transport.close()


class DrainingHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(DrainingTransport(transport))
