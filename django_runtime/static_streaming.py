"""WhiteNoise that streams files in chunks under ASGI, whatever other middleware the project
has, and the static lane: the same files and headers answered before Django's chain.

WhiteNoise hands Django a synchronous file iterator, which Django's ASGI handler can only
consume by reading the whole file into memory first. Under ASGI this middleware swaps in an
asynchronous iterator that reads one block at a time in a worker thread, never past the length
WhiteNoise announced; under WSGI it is WhiteNoise as it is. WhiteNoise itself is used through
its public surface (the middleware's __call__ and its file index), so its headers, encodings,
304s, HEAD and Range hold.
"""

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import BinaryIO

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from whitenoise.middleware import WhiteNoiseMiddleware

from django_runtime.dual_mode import DualModeMiddleware
from django_runtime.env import env_int

CHUNK_SIZE = 64 * 1024


async def read_in_chunks(
    file: BinaryIO, length: int, chunk_size: int = CHUNK_SIZE, first: bytes = b""
) -> AsyncIterator[bytes]:
    """Yield `first` (already read), then the rest of up to length bytes of a file, chunk by
    chunk, without blocking the event loop; a file that grows meanwhile is not sent past the
    Content-Length already announced."""
    if first:
        yield first
    left = length - len(first)
    while left > 0 and (chunk := await asyncio.to_thread(file.read, min(chunk_size, left))):
        left -= len(chunk)
        yield chunk


async def no_chunks() -> AsyncIterator[bytes]:
    """An empty body, for responses without a file."""
    return
    yield


def not_a_static_file(request: HttpRequest) -> None:
    """What WhiteNoise falls through to: None means the rest of the chain answers."""
    return None


def project_whitenoise() -> WhiteNoiseMiddleware:
    """WhiteNoise for the project's settings; it indexes the static files when made."""
    return WhiteNoiseMiddleware(not_a_static_file, settings)


def may_serve(whitenoise: WhiteNoiseMiddleware, path: str) -> bool:
    """Whether WhiteNoise may serve this path, answered from its index without touching the
    disk (with autorefresh, development's, any path may be a new file)."""
    return whitenoise.autorefresh or path in whitenoise.files


def stream_under_asgi(request: HttpRequest, response: HttpResponse, first: bytes = b"") -> None:
    """Give a WhiteNoise response to an ASGI request an asynchronous body, read in chunks
    after `first`. HEAD and 304 responses carry no file; they still need an (empty) body."""
    if not isinstance(request, ASGIRequest):
        return
    file = response.file_to_stream
    length = int(response.get("Content-Length", 0))
    response.streaming_content = read_in_chunks(file, length, first=first) if file else no_chunks()


class StreamingWhiteNoiseMiddleware(DualModeMiddleware):
    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self.whitenoise = project_whitenoise()

    def handle_sync(self, request: HttpRequest) -> HttpResponse:
        response = self.whitenoise(request)
        if response is None:
            return self.get_response(request)
        stream_under_asgi(request, response)
        return response

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        if not may_serve(self.whitenoise, request.path_info):
            return await self.get_response(request)
        response = await sync_to_async(self.whitenoise, thread_sensitive=False)(request)
        if response is None:
            return await self.get_response(request)
        stream_under_asgi(request, response)
        return response


class StaticLane:
    """Static files answered before Django's chain, as the chain answers them: what
    SecurityMiddleware does (HTTPS redirect, its headers) around WhiteNoise's response. Only
    for projects whose chain has nothing else ahead of WhiteNoise (see `serves`).

    A file no larger than one chunk is kept in memory once read (up to STATIC_MEMORY_BYTES a
    worker), and a GET for it is answered from there without opening it: WhiteNoise's headers
    for the encoding it picks, SecurityMiddleware's around them. Opening a file costs more than
    the rest of the answer, and WhiteNoise's files do not change while it serves them (its
    headers, made at start, already say so)."""

    def __init__(self) -> None:
        self.whitenoise = project_whitenoise()
        self.redirects_http = settings.SECURE_SSL_REDIRECT
        self.security = SecurityMiddleware(self.whitenoise)
        # Django's own conversion of an exception (a bad Host on a redirect) to its response.
        self.chain = convert_exception_to_response(self.security)
        self.in_memory: dict[str, bytes] = {}
        self.memory_left = env_int("STATIC_MEMORY_BYTES", 16 * 1024 * 1024)
        self.memory_lock = threading.Lock()

    @staticmethod
    def serves(middleware: list[str]) -> bool:
        """Whether the chain ahead of WhiteNoise is only the probes, the request log and
        SecurityMiddleware, so that answering before the chain changes nothing."""
        from django_runtime.settings import FIRST_MIDDLEWARE, SECURITY_MIDDLEWARE, STATIC_MIDDLEWARE

        if STATIC_MIDDLEWARE not in middleware:
            return False
        ahead = middleware[: middleware.index(STATIC_MIDDLEWARE)]
        return set(ahead) <= {*FIRST_MIDDLEWARE, SECURITY_MIDDLEWARE}

    def wants(self, path: str) -> bool:
        """A file in WhiteNoise's index (without autorefresh, development's, which would have
        to look at the disk for every path)."""
        return not self.whitenoise.autorefresh and path in self.whitenoise.files

    def from_memory(self, request: HttpRequest) -> HttpResponse | None:
        """A whole file already in memory for a secure GET (a plain-HTTP one may be
        redirected), or None: WhiteNoise answers the rest (HEAD, Range, 304, a first read)."""
        if request.method != "GET" or "HTTP_RANGE" in request.META:
            return None
        if self.redirects_http and not request.is_secure():
            return None  # SecurityMiddleware's redirect, in a thread: see the handler
        static_file = self.whitenoise.files[request.path_info]
        if static_file.is_not_modified(request.META):
            return None
        path, headers = static_file.get_path_and_headers(request.META)
        body = self.in_memory.get(path)
        if body is None:
            return None
        response = HttpResponse(body)
        del response["Content-Type"]  # WhiteNoise's own, as its middleware does
        for name, value in headers:
            response[name] = value
        return self.security.process_response(request, response)

    def respond(self, request: ASGIRequest) -> tuple[HttpResponse, bytes | None]:
        """The response (a redirect, an error or the file) and, when the file's first chunk
        is all of it (or it has no body), that whole body, kept for next time; else the
        response streams the rest after the first chunk."""
        response = self.chain(request)
        if not response.streaming:  # SecurityMiddleware's redirect, or an error
            return response, None
        file = response.file_to_stream
        length = int(response.get("Content-Length", 0))
        first = file.read(min(CHUNK_SIZE, length)) if file else b""
        if not file or len(first) < length:
            stream_under_asgi(request, response, first)
            return response, None
        if response.status_code == 200:
            self.remember(file.name, first)
        return response, first

    def remember(self, path: str, body: bytes) -> None:
        with self.memory_lock:
            if path not in self.in_memory and len(body) <= self.memory_left:
                self.in_memory[path] = body
                self.memory_left -= len(body)
