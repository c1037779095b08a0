"""uvicorn's HTTP protocol with what a public server needs before any work is done:

- request headers larger than HTTP_MAX_HEADER_BYTES get 431, and are never buffered past it;
- a body announced or streamed past HTTP_MAX_BODY_BYTES gets 413, before Django spools it;
- headers not complete within HTTP_HEADER_TIMEOUT_SECONDS of the connection (or of the first
  byte of the next request), or a body that stalls for HTTP_BODY_TIMEOUT_SECONDS, get 408;
- a connection is closed only once its bytes are sent: when a container's last process exits
  its network namespace goes, and with it every byte still queued in its sockets, so a drain
  would otherwise cut the end of large downloads;
- a worker whose graceful shutdown timed out says how many requests it cut, and exits 4.
"""

import asyncio
import fcntl
import http
import logging
import os
import re
import struct
import sys
import termios
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from django_runtime.env import env_float, env_int
from django_runtime.log_writer import write_the_rest

MAX_HEADER_BYTES = env_int("HTTP_MAX_HEADER_BYTES", 64 * 1024)
MAX_BODY_BYTES = env_int("HTTP_MAX_BODY_BYTES", 10 * 1024 * 1024)
HEADER_TIMEOUT_SECONDS = env_float("HTTP_HEADER_TIMEOUT_SECONDS", 10)
BODY_TIMEOUT_SECONDS = env_float("HTTP_BODY_TIMEOUT_SECONDS", 30)
POLL_SECONDS = 0.01
# Long enough for any client that is still reading; the graceful shutdown bounds it too.
MOST_DRAIN_SECONDS = 30
log = logging.getLogger("django_runtime.requests")
# What a worker's exit code says when its graceful shutdown had to cut requests (uvicorn's own
# startup failure is 3).
EXIT_REQUESTS_CUT = 4
# uvicorn's own words when the graceful timeout expires and it cancels what still runs; it
# offers no hook there, so this is where the cut is seen (integration-tested against the pin).
UVICORN_CUT = re.compile(r"^Cancel (\d+) running task\(s\), timeout graceful shutdown exceeded")


class ExitOnCut(logging.Filter):
    """When uvicorn cuts requests at the end of its grace period: one line saying how many,
    and the worker exits 4 (it was exiting anyway), so the cut shows in the pod's status."""

    def filter(self, record: logging.LogRecord) -> bool:
        if match := UVICORN_CUT.match(record.getMessage()):
            print(
                f"graceful shutdown timed out: {match.group(1)} requests cut without a full "
                "response",
                file=sys.stderr,
                flush=True,
            )
            write_the_rest()  # the request log still queued
            os._exit(EXIT_REQUESTS_CUT)
        return True


logging.getLogger("uvicorn.error").addFilter(ExitOnCut())


def unsent_bytes(transport: asyncio.Transport) -> int:
    """Bytes written but not yet acknowledged by the peer: asyncio's buffer plus the kernel's."""
    queued = transport.get_write_buffer_size()
    sock = transport.get_extra_info("socket")
    if sock is None:
        return queued
    try:
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, struct.pack("i", 0))
    except (OSError, ValueError):
        return queued  # the socket is closed already (fileno -1): nothing more can be sent
    return queued + struct.unpack("i", raw)[0]


class DrainingTransport:
    """A transport whose close() waits for its bytes to be sent, then closes; and whose writes
    in one turn of the event loop leave together (a response's head and body in one send,
    where uvicorn makes two)."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._closing: asyncio.Task | None = None
        self._loop = asyncio.get_running_loop()
        self._pending: list[bytes] | None = None

    def __getattr__(self, name: str):
        return getattr(self._transport, name)

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = []
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def is_closing(self) -> bool:
        return self._closing is not None or self._transport.is_closing()

    def close(self) -> None:
        self.flush()
        if self._closing is None:
            self._closing = self._loop.create_task(self._close_when_sent())

    async def _close_when_sent(self) -> None:
        deadline = time.monotonic() + MOST_DRAIN_SECONDS
        while unsent_bytes(self._transport) and time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
        self._transport.close()


def content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length" and value.strip().isdigit():
            return int(value)
    return None


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """Limits and timeouts enforced as bytes arrive, before the app sees the request."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(DrainingTransport(transport))
        self.headers_complete = False
        self.header_bytes = 0
        self.body_bytes = 0
        self.rejected = False
        self.timer: asyncio.TimerHandle | None = None
        self.began = self.loop.time()  # a request's headers are due in time from its first byte
        self.wait_for("headers", HEADER_TIMEOUT_SECONDS)

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_waiting()
        super().connection_lost(exc)

    def wait_for(self, what: str, seconds: float) -> None:
        self.stop_waiting()
        self.timer = self.loop.call_later(seconds, self.reject, 408, f"{what} too slow")

    def stop_waiting(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def data_received(self, data: bytes) -> None:
        if self.rejected:
            return
        if not self.headers_complete:
            self.header_bytes += len(data)
        super().data_received(data)
        if self.headers_complete or self.rejected:
            return
        if self.header_bytes > MAX_HEADER_BYTES:
            self.reject(431, f"headers over {MAX_HEADER_BYTES} bytes")
        elif self.timer is None:  # the request's headers did not come whole in one read
            deadline = self.began + HEADER_TIMEOUT_SECONDS
            self.timer = self.loop.call_at(deadline, self.reject, 408, "headers too slow")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.headers_complete:  # the next request on a kept-alive connection
            self.headers_complete, self.header_bytes, self.body_bytes = False, 0, 0
            # Timed only if its headers do not come whole in this read (most do): a timer per
            # request is a tenth of what the protocol costs.
            self.began = self.loop.time()

    def on_headers_complete(self) -> None:
        self.headers_complete = True
        self.stop_waiting()
        announced = content_length(self.headers)
        if announced is not None and announced > MAX_BODY_BYTES:
            self.reject(413, f"body of {announced} bytes, over {MAX_BODY_BYTES}")
            return
        chunked = any(n == b"transfer-encoding" for n, _ in self.headers)
        if announced or chunked:
            self.wait_for("body", BODY_TIMEOUT_SECONDS)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self.rejected:
            return
        self.body_bytes += len(body)
        if self.body_bytes > MAX_BODY_BYTES:
            self.reject(413, f"body over {MAX_BODY_BYTES} bytes")
            return
        self.wait_for("body", BODY_TIMEOUT_SECONDS)
        super().on_body(body)

    def on_response_complete(self) -> None:
        self.transport.flush()  # a finished response leaves now, not a turn of the loop later
        super().on_response_complete()

    def on_message_complete(self) -> None:
        self.stop_waiting()
        if not self.rejected:
            super().on_message_complete()

    def reject(self, status: int, why: str) -> None:
        """Answer status and close, unless the app has started its response (then close)."""
        if self.rejected or self.transport.is_closing():
            return
        self.rejected = True
        self.stop_waiting()
        client = "{}:{}".format(*self.client) if self.client else "-"
        log.warning("%s %s before the app: %s", client, status, why)
        current = self.cycle if self.cycle and not self.cycle.response_complete else None
        if current is None or not current.response_started:
            phrase = http.HTTPStatus(status).phrase
            self.transport.write(
                f"HTTP/1.1 {status} {phrase}\r\ncontent-type: text/plain; charset=utf-8\r\n"
                f"content-length: {len(phrase)}\r\nconnection: close\r\n\r\n{phrase}".encode()
            )
        if current is not None:
            current.disconnected = True
            current.message_event.set()
        self.transport.close()
