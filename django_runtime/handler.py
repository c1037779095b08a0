"""Django's ASGI handler with fast lanes, for the CPU a request costs per core.

Django's own handler crosses into a worker thread for the request signals, for each
sync-only method of each middleware (MiddlewareMixin's process_request and process_response)
and for a sync view: a dozen thread hops for an ordinary page. This one keeps Django's
behaviour and takes three lanes:

- probes (/healthz, /readyz by the pod's address) are answered before the chain;
- static files that WhiteNoise indexed are answered before the chain with what the chain
  would add (SecurityMiddleware's redirect and headers), when nothing else stands ahead of
  WhiteNoise, streamed in chunks;
- a request whose view is sync runs Django's sync chain (as under WSGI) in one thread hop,
  signals included; an async view gets Django's async chain, on the event loop.
"""

import asyncio
import functools
import io
import time
from contextlib import suppress

from asgiref.sync import (
    ThreadSensitiveContext,
    iscoroutinefunction,
    sync_to_async,
)
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, set_script_prefix

from django_runtime.core_sharing import CoreLoad
from django_runtime.env import env_int
from django_runtime.kept_connections import (
    DEFAULT_DATABASE_ALIVE_WINDOW_MS,
    DEFAULT_DATABASE_CONNECTION_WAIT_MS,
    DEFAULT_DATABASE_CONNECTIONS_KEPT,
    KeptConnections,
)
from django_runtime.loop_middleware import loop_safe_middleware
from django_runtime.middleware import (
    LIVENESS_PATH,
    PROBE_PATHS,
    liveness_response,
    log_request,
    probe_named,
    readiness_response,
)
from django_runtime.readiness import readiness
from django_runtime.request_threads import RequestThread, RequestThreads
from django_runtime.static_streaming import StaticLane

# Idle request threads a worker keeps for the next requests (more are made when needed).
DEFAULT_REQUEST_THREADS_KEPT = 256


def header(scope, name: bytes) -> str:
    """A request header's value from the ASGI scope ('' when absent)."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


async def body_read(receive) -> bool:
    """Read (and drop) a request body nothing here uses; False when the client went first."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        if not message.get("more_body", False):
            return True


def start_message(response: HttpResponse) -> dict:
    """The http.response.start message for a response, as Django's handler makes it."""
    headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
    return {"type": "http.response.start", "status": response.status_code, "headers": headers}


def replaying(first: dict, receive):
    """receive, with a message already received handed out first."""
    pending = [first]

    async def receive_again() -> dict:
        return pending.pop() if pending else await receive()

    return receive_again


@functools.lru_cache(maxsize=1024)  # paths repeat; what a path resolves to does not change
def resolves_to_async_view(urlconf: str, path_info: str) -> bool:
    try:
        match = get_resolver(urlconf).resolve(path_info)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


class RuntimeASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()  # the async chain, for async views
        self.sync_handler = BaseHandler()
        self.sync_handler.load_middleware(is_async=False)
        self.static = StaticLane() if StaticLane.serves(settings.MIDDLEWARE) else None
        self.alive = liveness_response()
        self.alive_start = start_message(self.alive)
        self.alive_body = {"type": "http.response.body", "body": self.alive.content}
        kept = KeptConnections(
            env_int("DATABASE_CONNECTIONS_KEPT", DEFAULT_DATABASE_CONNECTIONS_KEPT),
            env_int("DATABASE_CONNECTION_WAIT_MS", DEFAULT_DATABASE_CONNECTION_WAIT_MS) / 1000,
            env_int("DATABASE_ALIVE_WINDOW_MS", DEFAULT_DATABASE_ALIVE_WINDOW_MS) / 1000,
        )
        kept.lend_to_request_threads()
        self.kept = kept
        self.threads = RequestThreads(
            env_int("REQUEST_THREADS_KEPT", DEFAULT_REQUEST_THREADS_KEPT),
            after_request=kept.give_back_borrowed,
            after_drain=kept.close_parked,
            has_room=CoreLoad().has_room,
        )

    def load_middleware(self, is_async: bool = False) -> None:
        with loop_safe_middleware():
            super().load_middleware(is_async)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # Django's own error
            return
        if self.before_chain(scope["path"]) and await self.answer_before_chain(
            scope, receive, send
        ):
            return
        if self.view_is_async(scope):
            await self.handle_async_view(scope, receive, send)
        else:
            await self.handle_in_one_hop(scope, receive, send)

    def before_chain(self, path: str) -> bool:
        return path in PROBE_PATHS or (self.static is not None and self.static.wants(path))

    async def answer_before_chain(self, scope, receive, send) -> bool:
        """Answer a probe or a static file; False when the request is neither after all (a
        probe's path under a host name goes to the app, which has no such page)."""
        started = time.perf_counter()
        path = scope["path"]
        probe = probe_named(path, header(scope, b"host")) if path in PROBE_PATHS else None
        if path in PROBE_PATHS and probe is None:
            return False
        if not await body_read(receive):  # read, so that a disconnect is seen
            return True
        whole = None  # a static file's body when read whole
        if probe == LIVENESS_PATH:
            await send(self.alive_start)  # the same answer every time, encoded once
            await send(self.alive_body)
            log_request(scope["method"], path, self.alive.status_code, started)
            return True
        if probe is not None:
            response = readiness_response(await sync_to_async(readiness.check)())
        else:
            request = self.request_class(scope, io.BytesIO())
            response, whole = await self.static_response(request)
        try:
            if whole is None:
                await self.send_until_disconnect(response, send, receive)
            else:
                await send(start_message(response))
                await send({"type": "http.response.body", "body": whole})
        finally:
            if getattr(response, "file_to_stream", None) is not None:
                # Closed here, not by response.close(), which would fire request_finished for
                # a request that never sent request_started (as WhiteNoise's WSGI mode).
                response.file_to_stream.close()
        log_request(scope["method"], path, response.status_code, started)
        return True

    async def static_response(self, request: HttpRequest) -> tuple[HttpResponse, bytes | None]:
        """A small file kept in memory, answered on the event loop; anything else in a worker
        thread (opening a file is a system call or several; a plain-HTTP request may be
        redirected, and a bad Host there renders the project's 400 view, which may do
        anything)."""
        response = self.static.from_memory(request)
        if response is not None:
            return response, response.content
        return await sync_to_async(self.static.respond, thread_sensitive=False)(request)

    def view_is_async(self, scope) -> bool:
        """Whether the URL's view is a coroutine function (a 404 is rendered in sync code)."""
        path = scope["path"]
        root = scope.get("root_path", "")
        path_info = path[len(root) :] if root and path.startswith(root) else path
        # Before the chain no middleware has set a request's own urlconf: the project's.
        return resolves_to_async_view(settings.ROOT_URLCONF, path_info)

    async def handle_async_view(self, scope, receive, send) -> None:
        """Django's ASGIHandler.handle, its thread-sensitive calls in one request thread: the
        hop for request_started made straight to it, and the response's close (request_finished)
        queued in it once the answer is out, as the sync lane does; the thread is given back
        after the close. Signal.send there runs any async receiver on this loop, as asend would."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        thread = self.threads.take()
        close = None
        try:
            async with ThreadSensitiveContext(executor=thread):
                close = await self.respond_async(scope, body_file, receive, send, thread)
        finally:
            body_file.close()
            self.threads.finish(thread, close)  # None: cancelled, or the chain raised

    async def respond_async(self, scope, body_file, receive, send, thread: RequestThread):
        """The answer sent; what ends the request: its response's close, or request_finished
        alone when the client went first and the view was cancelled."""
        set_script_prefix(get_script_prefix(scope))
        started = functools.partial(signals.request_started.send, self.__class__, scope=scope)
        await thread.call(started)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            await self.send_response(error_response, send)
            return error_response.close
        response = await self.respond_unless_disconnected(request, send, receive)
        if response is None:
            return functools.partial(signals.request_finished.send, self.__class__)
        return response.close

    async def respond_unless_disconnected(self, request, send, receive) -> HttpResponse | None:
        """The response, sent, as Django's handler does it; None when the client disconnected
        first and the view was cancelled."""

        async def process_request() -> HttpResponse:
            response = await self.run_get_response(request)
            with suppress(asyncio.CancelledError):  # the client went during the send
                await self.send_response(response, send)
            return response

        # The listener first: it raises nothing that would keep the view from being cancelled.
        listening = asyncio.create_task(self.listen_for_disconnect(receive))
        processing = asyncio.create_task(process_request())
        await asyncio.wait((listening, processing), return_when=asyncio.FIRST_COMPLETED)
        for task in (listening, processing):
            if task.done():
                with suppress(RequestAborted):
                    task.result()
            else:
                task.cancel()  # a view may handle its cancellation
                with suppress(asyncio.CancelledError):
                    await task
        return None if processing.cancelled() else processing.result()

    async def handle_in_one_hop(self, scope, receive, send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        thread = self.threads.take()
        try:
            response = await thread.call(self.respond_in_thread, scope, body_file)
        except BaseException:  # no response to close (cancelled, or the chain raised)
            body_file.close()
            self.threads.finish(thread, None)
            raise
        try:
            if response.streaming:
                # A sync iterator is thread-sensitive: the request's thread.
                async with ThreadSensitiveContext(executor=thread):
                    await self.send_until_disconnect(response, send, receive)
            else:  # what Django's send_response sends, a body in one message
                await send(start_message(response))
                await send({"type": "http.response.body", "body": response.content})
        finally:
            body_file.close()
            # request_finished in the request's thread once the answer is out, as under WSGI
            # and Django's own handler: neither the client nor this loop waits for it (a
            # database connection closed); the thread is given back after it.
            self.threads.finish(thread, response.close)

    async def read_body(self, receive):
        """The request body as Django's handler reads it; a body that came whole in its first
        message (every GET) without Django's spooled temporary file."""
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            body = message.get("body", b"")
            if len(body) <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
                return io.BytesIO(body)
        return await super().read_body(replaying(message, receive))

    def respond_in_thread(self, scope, body_file) -> HttpResponse:
        """What Django's WSGI handler does for a request: request_started, then the sync
        chain; the response is closed (request_finished) once sent."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.sync_handler.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            # The answer is whole: the chain queries no more. What it borrowed goes back now,
            # not after the hop to the loop and the send, which under load hold a connection
            # longer than its queries do (a close that queries borrows again).
            self.kept.give_back_borrowed()
        return response

    async def send_until_disconnect(self, response: HttpResponse, send, receive) -> None:
        """Send the response; a streamed one stops when the client goes, as Django's does."""
        if not response.streaming:
            await self.send_response(response, send)
            return
        sending = asyncio.ensure_future(self.send_response(response, send))
        listening = asyncio.ensure_future(self.listen_for_disconnect(receive))
        await asyncio.wait((sending, listening), return_when=asyncio.FIRST_COMPLETED)
        for task in (listening, sending):
            task.cancel()
            with suppress(asyncio.CancelledError, RequestAborted):
                await task


def get_asgi_application() -> RuntimeASGIHandler:
    """As django.core.asgi.get_asgi_application, with the fast lanes."""
    import django

    django.setup(set_prefix=False)
    return RuntimeASGIHandler()
