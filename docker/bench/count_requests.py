"""Serve requests inside one process, for an instruction count (lifecycle.steps.instructions).

`python count_requests.py ours|wsgi PATH COUNT` answers PATH COUNT times after a warm-up:
`ours` through uvicorn configured as the container's server is (django_runtime.serve), on a
real uvloop loop with real request threads, the bytes fed in and collected by a stand-in for the
socket; `wsgi` through Django's WSGI handler called directly, the Python side of a WSGI server.
Run under callgrind: the difference between two counts is the instructions a request costs.
"""

import asyncio
import io
import os
import sys

import django

django.setup()

import uvloop  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from uvicorn.server import ServerState  # noqa: E402

from django_runtime.serve import server_config, server_options  # noqa: E402

WARM_UP = 100
HOST = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")[0]  # the host the step allows


class CollectingTransport:
    """Stands in for the connection's socket: what is written is kept."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str, default=None):
        return {"sockname": ("10.0.0.2", 8000), "peername": ("10.0.0.3", 40000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def serve_ours(path: str, count: int) -> bytes:
    config = server_config(server_options())  # as the container serves: protocol, app, options
    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = CollectingTransport()
    protocol.connection_made(transport)
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nX-Forwarded-Proto: https\r\n\r\n".encode()
    loop = asyncio.get_running_loop()
    answered = loop.create_future()
    completed = protocol.on_response_complete

    def on_response_complete() -> None:
        completed()
        answered.set_result(None)

    protocol.on_response_complete = on_response_complete  # each request's cycle calls it
    for _ in range(WARM_UP + count):
        answered = loop.create_future()
        transport.written.clear()
        protocol.data_received(request)
        await answered
    return transport.written[0]


def serve_wsgi(path: str, count: int) -> bytes:
    application = get_wsgi_application()
    path_info, _, query = path.partition("?")
    status = b""
    for _ in range(WARM_UP + count):
        environ = {
            **{"REQUEST_METHOD": "GET", "PATH_INFO": path_info, "QUERY_STRING": query},
            **{"SCRIPT_NAME": "", "SERVER_NAME": "10.0.0.2", "SERVER_PORT": "8000"},
            **{"SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.3", "HTTP_HOST": HOST},
            **{"HTTP_X_FORWARDED_PROTO": "https", "wsgi.url_scheme": "http"},
            **{"wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0)},
            **{"wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False},
        }

        def start_response(line, headers, exc_info=None):
            nonlocal status
            status = line.encode()

        body = application(environ, start_response)
        b"".join(body)
        body.close()
    return b"HTTP/1.1 " + status


def main() -> None:
    server, path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    head = uvloop.run(serve_ours(path, count)) if server == "ours" else serve_wsgi(path, count)
    status_line = head.split(b"\r\n")[0].decode("latin-1")
    if status_line.split(" ")[1:2] != ["200"]:
        sys.exit(f"{server} answered {path} with {status_line!r}, not 200")


if __name__ == "__main__":
    main()
