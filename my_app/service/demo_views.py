"""Endpoints the concurrency tests and benchmarks drive: each waits or works a bounded amount."""

import asyncio
import hashlib
import time
from collections.abc import Callable
from functools import wraps

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from service.bounded import OutOfBounds, bounded_int
from service.models import PageVisit

MAX_WAIT_MS = 5_000
MAX_CPU_ROUNDS = 2_000_000


def rejects_out_of_bounds(view: Callable) -> Callable:
    """Answer 400 with the reason when a parameter is out of bounds."""
    if asyncio.iscoroutinefunction(view):

        @wraps(view)
        async def async_wrapper(request: HttpRequest) -> HttpResponse:
            try:
                return await view(request)
            except OutOfBounds as error:
                return JsonResponse({"error": str(error)}, status=400)

        return async_wrapper

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            return view(request)
        except OutOfBounds as error:
            return JsonResponse({"error": str(error)}, status=400)

    return wrapper


@rejects_out_of_bounds
def sync_sleep(request: HttpRequest) -> HttpResponse:
    """A sync view that waits on I/O (a sleep stands in for a slow upstream)."""
    ms = bounded_int(request, "ms", 250, 0, MAX_WAIT_MS)
    time.sleep(ms / 1000)
    return JsonResponse({"slept_ms": ms})


@rejects_out_of_bounds
def sync_cpu(request: HttpRequest) -> HttpResponse:
    """A sync view that holds the GIL: only more processes make more of these run at once."""
    rounds = bounded_int(request, "rounds", 200_000, 1, MAX_CPU_ROUNDS)
    digest = b""
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return JsonResponse({"rounds": rounds, "digest": digest.hex()})


@rejects_out_of_bounds
async def async_sleep(request: HttpRequest) -> HttpResponse:
    """An async view that awaits, taking no thread while it waits."""
    ms = bounded_int(request, "ms", 250, 0, MAX_WAIT_MS)
    await asyncio.sleep(ms / 1000)
    return JsonResponse({"slept_ms": ms})


@rejects_out_of_bounds
def db_sleep(request: HttpRequest) -> HttpResponse:
    """A sync view that waits inside the database."""
    ms = bounded_int(request, "ms", 250, 0, MAX_WAIT_MS)
    if connection.vendor != "mysql":
        return JsonResponse({"error": "needs MySQL"}, status=501)
    with connection.cursor() as cursor:
        cursor.execute("SELECT SLEEP(%s)", [ms / 1000])
        cursor.fetchone()
    return JsonResponse({"slept_ms": ms})


async def async_db_count(request: HttpRequest) -> HttpResponse:
    """An async view that reads through the async ORM (its query runs in the request's thread)."""
    return JsonResponse({"visits": await PageVisit.objects.acount()})
