"""Hostile traffic over real sockets, against any app: limits are enforced before any work,
slow clients are cut, and memory stays flat under a header attack."""

import concurrent.futures
import socket
import time
from urllib.parse import urlsplit

import pytest

from lifecycle.harness.memory import peak_memory_during

PUBLIC = b"Host: app.test\r\nX-Forwarded-Proto: https\r\n"


def address(app) -> tuple[str, int]:
    parts = urlsplit(app.base_url)
    return parts.hostname, parts.port


def status_line(sock: socket.socket) -> str:
    """The first line the server answers, or '' when it closed without one."""
    received = b""
    try:
        while b"\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received.split(b"\r\n", 1)[0].decode(errors="replace")


def read_answer(sock: socket.socket) -> str:
    """Read one whole answer, its body by Content-Length or chunked; its status line."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(4096)
    head, _, body = received.partition(b"\r\n\r\n")
    lengths = [
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    ]
    while len(body) < lengths[0] if lengths else not body.endswith(b"0\r\n\r\n"):
        body += sock.recv(4096)
    return head.split(b"\r\n", 1)[0].decode()


def send_then_read(app, *parts: bytes, pause: float = 0) -> str:
    """Send the parts (pausing between them), then read the answer; sending may be cut off."""
    with socket.create_connection(address(app), timeout=15) as sock:
        try:
            for part in parts:
                sock.sendall(part)
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return status_line(sock)


def test_an_oversized_header_gets_431(app):
    line = send_then_read(app, b"GET / HTTP/1.1\r\n" + PUBLIC + b"X-Big: " + b"a" * 300_000)
    assert line.startswith("HTTP/1.1 431"), line


def test_forty_unfinished_8_mib_headers_keep_memory_flat(app):
    chunk = b"a" * (256 * 1024)

    def attack() -> str:
        parts = [b"GET / HTTP/1.1\r\n" + PUBLIC + b"X-Big: ", *[chunk] * 32]  # 8 MiB
        return send_then_read(app, *parts)

    def forty() -> list[str]:
        with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
            return list(pool.map(lambda _: attack(), range(40)))

    answers, growth = peak_memory_during(app.docker, forty)
    print(f"\nforty unfinished 8 MiB headers: memory grew {growth.grew_mb:.1f} MB")
    assert all(line.startswith("HTTP/1.1 431") for line in answers), answers
    assert growth.grew_mb < 20, f"memory grew by {growth.grew_mb:.1f} MB under the attack"


def test_a_body_announced_past_the_limit_gets_413_before_it_is_sent(app):
    headers = b"POST / HTTP/1.1\r\n" + PUBLIC + b"Content-Length: 104857600\r\n\r\n"
    assert send_then_read(app, headers).startswith("HTTP/1.1 413")


def test_a_streamed_body_past_the_limit_gets_413(app):
    headers = b"POST / HTTP/1.1\r\n" + PUBLIC + b"Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"  # 1 MiB a chunk, 12 of them
    assert send_then_read(app, headers, *[chunk] * 12).startswith("HTTP/1.1 413")


@pytest.fixture(scope="module")
def impatient_app(app_with):
    """An app whose header and body timeouts are one second, so slow clients show quickly."""
    with app_with(HTTP_HEADER_TIMEOUT_SECONDS="1", HTTP_BODY_TIMEOUT_SECONDS="1") as server:
        yield server


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param([], id="a connection that sends nothing"),
        pytest.param([b"GET / HTTP/1.1\r\n", b"Host: app", b".test\r\n"], id="slowloris headers"),
        pytest.param(
            [b"POST / HTTP/1.1\r\n" + PUBLIC + b"Content-Length: 100\r\n\r\n", b"0123456789"],
            id="a body that stalls",
        ),
    ],
)
def test_slow_clients_get_408(impatient_app, parts):
    started = time.monotonic()
    line = send_then_read(impatient_app, *parts, pause=0.7)
    assert line.startswith("HTTP/1.1 408"), line
    assert time.monotonic() - started < 5


def test_slow_headers_of_a_kept_alive_connections_next_request_get_408(impatient_app):
    with socket.create_connection(address(impatient_app), timeout=15) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 10.1.2.3\r\n\r\n")
        assert read_answer(sock).startswith("HTTP/1.1 200")
        started = time.monotonic()
        for part in (b"GET / HTTP/1.1\r\n", b"Host: app", b".test\r\n"):
            sock.sendall(part)
            time.sleep(0.7)
        line = status_line(sock)
    assert line.startswith("HTTP/1.1 408"), line
    assert time.monotonic() - started < 5
