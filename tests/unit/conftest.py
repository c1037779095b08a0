"""Fixtures for the unit tests: collected static files, and an in-process ASGI client."""

import asyncio
from dataclasses import dataclass, field

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.management import call_command

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


class AsgiClient:
    """Drives the real ASGI application in-process and keeps every body chunk it sends."""

    def __init__(self) -> None:
        self.application = get_asgi_application()

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None):
        return asyncio.run(self._request(path, method, headers or {}))

    async def _request(self, path: str, method: str, headers: dict[str, str]) -> AsgiResponse:
        all_headers = {"host": "testserver", **{k.lower(): v for k, v in headers.items()}}
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "https",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in all_headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 443),
        }
        communicator = ApplicationCommunicator(self.application, scope)
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
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


@pytest.fixture
def asgi_client(collected_static) -> AsgiClient:
    return AsgiClient()
