"""Middleware for the request log and the health probes; both work in sync and async stacks."""

import functools
import ipaddress
import logging
import time

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse

from django_runtime.dual_mode import DualModeMiddleware
from django_runtime.readiness import Verdict, readiness

request_log = logging.getLogger("django_runtime.requests")


class RequestLogMiddleware(DualModeMiddleware):
    """Log one line per request: method, path, status and duration."""

    def handle_sync(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        self.log(request, response, started)
        return response

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = await self.get_response(request)
        self.log(request, response, started)
        return response

    @staticmethod
    def log(request: HttpRequest, response: HttpResponse, started: float) -> None:
        log_request(request.method, request.path, response.status_code, started)


def log_request(method: str, path: str, status: int, started: float) -> None:
    """The request log's line: method, path, status and duration."""
    duration_ms = (time.perf_counter() - started) * 1000
    request_log.info("%s %s %s %.1fms", method, path, status, duration_ms)


@functools.lru_cache(maxsize=256)  # probes come from few addresses; any other name is bounded
def is_address(host: str) -> bool:
    """Whether a Host header names an IP address (with or without a port), as the kubelet's
    probes do: the public host name never reaches the probes, so the Ingress can route every
    path."""
    address = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
PROBE_PATHS = (LIVENESS_PATH, READINESS_PATH)


def probe_named(path: str, host: str) -> str | None:
    """The probe a request (its path and Host header) asks for, or None when it is not a
    probe's request."""
    if path in PROBE_PATHS and is_address(host):
        return path
    return None


def liveness_response() -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readiness_response(verdict: Verdict) -> HttpResponse:
    if verdict.reason:
        return JsonResponse({"status": "unavailable", "reason": verdict.reason}, status=503)
    return JsonResponse({"status": "ready"})


class HealthCheckMiddleware(DualModeMiddleware):
    """Answer /healthz (the process is alive) and /readyz (the database is usable), to
    requests that address the pod by IP; others go on to the app (a 404 there). Under our
    ASGI handler these are answered before the chain (django_runtime.handler)."""

    def handle_sync(self, request: HttpRequest) -> HttpResponse:
        probe = probe_named(request.path, request.META.get("HTTP_HOST", ""))
        if probe == LIVENESS_PATH:
            return liveness_response()
        if probe == READINESS_PATH:
            return readiness_response(readiness.check())
        return self.get_response(request)

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        probe = probe_named(request.path, request.META.get("HTTP_HOST", ""))
        if probe == LIVENESS_PATH:
            return liveness_response()
        if probe == READINESS_PATH:
            return readiness_response(await sync_to_async(readiness.check)())
        return await self.get_response(request)
