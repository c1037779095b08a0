"""WhiteNoise middleware that streams files in chunks under ASGI instead of buffering them.

WhiteNoise hands Django a synchronous file iterator; Django's ASGI handler can only
consume that by reading the whole file into memory first. Under ASGI this middleware
swaps in an asynchronous iterator that reads one block at a time in a worker thread,
leaving WhiteNoise's headers, encoding negotiation, 304s, HEAD and Range untouched.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import BinaryIO

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware

from service.dual_mode import DualMode

CHUNK_SIZE = 64 * 1024


async def read_in_chunks(file: BinaryIO, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    """Yield a file's bytes chunk by chunk without blocking the event loop."""
    while chunk := await asyncio.to_thread(file.read, chunk_size):
        yield chunk


async def no_chunks() -> AsyncIterator[bytes]:
    """An empty body, for responses without a file."""
    return
    yield


class StreamingWhiteNoiseMiddleware(DualMode, WhiteNoiseMiddleware):
    def __init__(self, get_response=None, settings=settings):
        WhiteNoiseMiddleware.__init__(self, get_response, settings)
        self.adopt_mode(get_response)

    def handle_sync(self, request: HttpRequest) -> HttpResponse:
        return WhiteNoiseMiddleware.__call__(self, request)

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is None:
            return await self.get_response(request)
        response = await sync_to_async(self.serve, thread_sensitive=False)(static_file, request)
        # HEAD and 304 responses carry no file; they still need an async (empty) body.
        # A replaced file stays registered for closing with the response.
        file = response.file_to_stream
        response.streaming_content = read_in_chunks(file) if file else no_chunks()
        return response
