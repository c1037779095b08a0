"""Middleware for the request log and the health probes; both work in sync and async stacks."""

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
        duration_ms = (time.perf_counter() - started) * 1000
        request_log.info(
            "%s %s %s %.1fms", request.method, request.path, response.status_code, duration_ms
        )


def addressed_by_ip(request: HttpRequest) -> bool:
    """Whether the request names the pod by its address, as the kubelet's probes do: the
    public host name never reaches the probes, so the Ingress can route every path."""
    host = request.META.get("HTTP_HOST", "")
    address = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


class HealthCheckMiddleware(DualModeMiddleware):
    """Answer /healthz (the process is alive) and /readyz (the database is usable), to
    requests that address the pod by IP; others go on to the app (a 404 there)."""

    LIVENESS_PATH = "/healthz"
    READINESS_PATH = "/readyz"

    def probe(self, request: HttpRequest) -> str | None:
        if request.path in (self.LIVENESS_PATH, self.READINESS_PATH) and addressed_by_ip(request):
            return request.path
        return None

    def handle_sync(self, request: HttpRequest) -> HttpResponse:
        probe = self.probe(request)
        if probe == self.LIVENESS_PATH:
            return self.liveness()
        if probe == self.READINESS_PATH:
            return self.readiness(readiness.check())
        return self.get_response(request)

    async def handle_async(self, request: HttpRequest) -> HttpResponse:
        probe = self.probe(request)
        if probe == self.LIVENESS_PATH:
            return self.liveness()
        if probe == self.READINESS_PATH:
            return self.readiness(await sync_to_async(readiness.check)())
        return await self.get_response(request)

    @staticmethod
    def liveness() -> HttpResponse:
        return JsonResponse({"status": "ok"})

    @staticmethod
    def readiness(verdict: Verdict) -> HttpResponse:
        if verdict.reason:
            return JsonResponse({"status": "unavailable", "reason": verdict.reason}, status=503)
        return JsonResponse({"status": "ready"})
