"""Fixtures for the unit tests: collected static files, and an in-process ASGI client."""

import asyncio
import threading
from dataclasses import dataclass, field

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.management import call_command

from django_runtime import handler

BIG_FILE_NAME = "downloads/big.bin"
BIG_FILE_SIZE = 1_000_000


@pytest.fixture(scope="session")
def collected_static(django_test_environment) -> None:
    """Run collectstatic into STATIC_ROOT, plus one large unhashed file, once per session."""
    call_command("collectstatic", interactive=False, verbosity=0)
    big = settings.STATIC_ROOT / BIG_FILE_NAME
    big.parent.mkdir(parents=True, exist_ok=True)
    big.write_bytes(bytes(range(256)) * (BIG_FILE_SIZE // 256) + b"\0" * (BIG_FILE_SIZE % 256))


@dataclass
class AsgiResponse:
    status: int
    headers: dict[str, str]
    chunks: list[bytes] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def closes_done(application) -> None:
    """Wait for the requests' closes our handler left queued in its request threads (each
    runs what it is given in turn), so that no request_finished reaches the next test."""
    threads = getattr(application, "threads", None)
    for thread in list(threads.closing) if threads is not None else []:
        reached = threading.Event()
        thread.jobs.put(reached.set)
        assert reached.wait(10), "a request thread is still busy 10 s after its request"


class AsgiClient:
    """Drives the real ASGI application in-process and keeps every body chunk it sends."""

    def __init__(self, make_application=get_asgi_application) -> None:
        self.application = make_application()

    def request(
        self,
        path: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        scheme: str = "https",
        body_parts: list[bytes] | None = None,
    ) -> AsgiResponse:
        """body_parts: the request body, one http.request message each (default: none)."""
        response = asyncio.run(
            self._request(path, method, headers or {}, scheme, body_parts or [b""])
        )
        closes_done(self.application)
        return response

    @staticmethod
    def scope(path: str, method: str, headers: dict[str, str], scheme: str) -> dict:
        all_headers = {"host": "testserver", **{k.lower(): v for k, v in headers.items()}}
        return {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": scheme,
            "path": path.partition("?")[0],
            "raw_path": path.partition("?")[0].encode(),
            "query_string": path.partition("?")[2].encode(),
            "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in all_headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 443),
        }

    async def _request(
        self, path: str, method: str, headers: dict[str, str], scheme: str, parts: list[bytes]
    ) -> AsgiResponse:
        scope = self.scope(path, method, headers, scheme)
        communicator = ApplicationCommunicator(self.application, scope)
        for number, part in enumerate(parts, 1):
            more = number < len(parts)
            await communicator.send_input({"type": "http.request", "body": part, "more_body": more})
        start = await communicator.receive_output(timeout=10)
        response = AsgiResponse(
            status=start["status"],
            headers={k.decode().lower(): v.decode() for k, v in start["headers"]},
        )
        while True:
            message = await communicator.receive_output(timeout=10)
            response.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await communicator.wait(timeout=10)
        return response


# What the ASGI tests run against: Django's handler, and ours with its lanes before the chain
# (what the image serves); each must behave the same.
HANDLERS = {"django": get_asgi_application, "runtime": handler.get_asgi_application}


@pytest.fixture(params=list(HANDLERS))
def make_asgi_client(request, collected_static):
    return lambda: AsgiClient(HANDLERS[request.param])


@pytest.fixture
def asgi_client(make_asgi_client) -> AsgiClient:
    return make_asgi_client()
