"""Middleware that runs natively in both sync (WSGI) and async (ASGI) chains.

Django adapts a sync-only middleware in an ASGI chain with a thread hop per request;
these run on the event loop instead, and as plain calls under WSGI.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse


class DualModeMiddleware:
    """Dispatches each call to handle_sync or handle_async, by the chain below it."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.async_mode:
            return self.handle_async(request)
        return self.handle_sync(request)

    def handle_sync(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError
