"""WhiteNoise as Django middleware that streams files in chunks under ASGI, whatever other
middleware the project has.

WhiteNoise hands Django a synchronous file iterator, which Django's ASGI handler can only
consume by reading the whole file into memory first. This middleware is async-only, so Django
gives it an async chain even beside sync-only middleware (it adapts those, not us), and under
ASGI it swaps in an asynchronous iterator that reads one block at a time in a worker thread,
never past the length WhiteNoise announced. WhiteNoise itself is used through its public
surface (the middleware's __call__), so its headers, encodings, 304s, HEAD and Range hold.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import BinaryIO

from asgiref.sync import markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware

CHUNK_SIZE = 64 * 1024


async def read_in_chunks(
    file: BinaryIO, length: int, chunk_size: int = CHUNK_SIZE
) -> AsyncIterator[bytes]:
    """Yield up to length bytes of a file, chunk by chunk, without blocking the event loop; a
    file that grows meanwhile is not sent past the Content-Length already announced."""
    left = length
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


class StreamingWhiteNoiseMiddleware:
    sync_capable = False
    async_capable = True

    def __init__(self, get_response, settings=settings) -> None:
        self.get_response = get_response
        self.whitenoise = WhiteNoiseMiddleware(not_a_static_file, settings)
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        response = await sync_to_async(self.whitenoise, thread_sensitive=False)(request)
        if response is None:
            return await self.get_response(request)
        if isinstance(request, ASGIRequest):
            # HEAD and 304 responses carry no file; they still need an async (empty) body.
            # A replaced file stays registered for closing with the response.
            file = response.file_to_stream
            length = int(response.get("Content-Length", 0))
            response.streaming_content = read_in_chunks(file, length) if file else no_chunks()
        return response
