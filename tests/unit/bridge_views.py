"""Views that cross between sync and async code or stream, to pin where each part runs."""

import asyncio
import threading

from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

ran_in: dict[str, int] = {}  # part of the request -> the thread it ran in


async def record_loop_thread() -> None:
    asyncio.get_running_loop()  # raises outside an event loop
    ran_in["coroutine"] = threading.get_ident()


def calls_async(request: HttpRequest) -> HttpResponse:
    ran_in["view"] = threading.get_ident()
    async_to_sync(record_loop_thread)()
    return HttpResponse("called")


def record_sync_thread() -> None:
    ran_in["async view's sync code"] = threading.get_ident()


async def calls_sync(request: HttpRequest) -> HttpResponse:
    await sync_to_async(record_sync_thread)()
    return HttpResponse("called")


class RecordedStream(StreamingHttpResponse):
    def close(self) -> None:
        ran_in["close"] = threading.get_ident()
        super().close()


def streams(request: HttpRequest) -> StreamingHttpResponse:
    ran_in["view"] = threading.get_ident()

    def parts():
        ran_in["iterator"] = threading.get_ident()
        yield b"streamed"

    return RecordedStream(parts())


def queries(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("queried")


def queries_while_streaming(request: HttpRequest) -> StreamingHttpResponse:
    def rows():
        with connection.cursor() as cursor:  # the view's connection, still its own
            cursor.execute("SELECT 1")
            yield b"queried"

    return StreamingHttpResponse(rows())


async def waits(request: HttpRequest) -> HttpResponse:
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        ran_in["cancelled"] = threading.get_ident()
        raise
    return HttpResponse("waited")


@csrf_exempt  # a body, not a form
def echoes(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body)


urlpatterns = [
    path("calls-async", calls_async),
    path("calls-sync", calls_sync),
    path("streams", streams),
    path("echoes", echoes),
    path("waits", waits),
    path("queries", queries),
    path("queries-while-streaming", queries_while_streaming),
]
