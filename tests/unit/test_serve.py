"""The container's start command turns a malformed setting into one line and exit 1, before
uvicorn starts (whose workers would otherwise fail and be restarted forever)."""

import asyncio

import pytest

from tests.unit.manage_py import WORKER_ENV, python_in_app


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("PORT", "http", "configuration error: PORT='http' is not a whole number"),
        ("PORT", "", "configuration error: PORT is not set: set it to a whole number"),
        (
            "GRACEFUL_SHUTDOWN_SECONDS",
            "soon",
            "configuration error: GRACEFUL_SHUTDOWN_SECONDS='soon' is not a whole number",
        ),
        (
            "DJANGO_ASGI_APPLICATION",
            "",
            "configuration error: DJANGO_ASGI_APPLICATION is not set: set it to module:attribute",
        ),
        (
            "CPU_BATCH_SCHEDULING",
            "sometimes",
            "configuration error: CPU_BATCH_SCHEDULING='sometimes' is not a boolean: use 1 or 0",
        ),
        (
            "WEB_CONCURRENCY",
            "many",
            "configuration error: WEB_CONCURRENCY='many' must be a positive whole number",
        ),
    ],
)
def test_bad_server_setting_is_one_line_and_exit_1(variable, value, line):
    result = python_in_app("-m", "django_runtime.serve", **{**WORKER_ENV, variable: value})
    assert result.returncode == 1
    assert result.stderr.strip() == line


class ClosedSocketTransport:
    """A transport whose socket the peer or the loop has already closed (fileno -1)."""

    class Socket:
        def fileno(self) -> int:
            return -1

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str):
        return self.Socket()


def test_a_closed_socket_has_nothing_left_to_send():
    from django_runtime.protocol import unsent_bytes

    assert unsent_bytes(ClosedSocketTransport()) == 0


class RecordingTransport:
    """Records each write that would be one send on the socket."""

    def __init__(self) -> None:
        self.sends: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.sends.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str):
        return None


def test_writes_in_one_turn_of_the_loop_leave_in_one_send():
    from django_runtime.protocol import DrainingTransport

    async def respond_twice() -> list[bytes]:
        recording = RecordingTransport()
        transport = DrainingTransport(recording)
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        await asyncio.sleep(0)  # the next turn
        transport.write(b"next")
        transport.close()  # sends what is pending before closing
        await asyncio.sleep(0.05)
        assert recording.closed
        return recording.sends

    assert asyncio.run(respond_twice()) == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]
