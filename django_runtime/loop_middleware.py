"""Django's own middleware that does no I/O, run on the event loop in an async chain.

In an async chain Django runs each sync hook of a MiddlewareMixin (process_request,
process_view, process_response) in the request's thread: about 50 microseconds of CPU per hop,
for hooks that only read headers and set others. These classes, and only these, are swapped
for subclasses whose hooks run where they are called, while our handler loads its async chain;
settings.MIDDLEWARE itself stays as the project wrote it, so `check --deploy` and the sync
chain see Django's classes. Left out on purpose: anything that reads or writes a session, a
cache or the database (sessions, messages, authentication, CSRF kept in the session), loads
files (locale) or can spend milliseconds of CPU on a body (gzip, ETags).
"""

from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware import clickjacking, common, csrf, security


class OnTheLoop:
    """A MiddlewareMixin whose request and response hooks run on the event loop."""

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class SecurityMiddleware(OnTheLoop, security.SecurityMiddleware):
    pass


class CommonMiddleware(OnTheLoop, common.CommonMiddleware):
    pass


class XFrameOptionsMiddleware(OnTheLoop, clickjacking.XFrameOptionsMiddleware):
    pass


class CsrfViewMiddleware(OnTheLoop, csrf.CsrfViewMiddleware):
    async def process_view(self, request, callback, callback_args, callback_kwargs):
        # A coroutine function, so Django calls it as it is instead of through a thread.
        return super().process_view(request, callback, callback_args, callback_kwargs)


def on_the_loop(middleware: list[str]) -> list[str]:
    """The project's middleware, with the loop-safe ones as the classes above."""
    swaps = {
        "django.middleware.security.SecurityMiddleware": SecurityMiddleware,
        "django.middleware.common.CommonMiddleware": CommonMiddleware,
        "django.middleware.clickjacking.XFrameOptionsMiddleware": XFrameOptionsMiddleware,
    }
    if not settings.CSRF_USE_SESSIONS:  # else the token is read from the session store
        swaps["django.middleware.csrf.CsrfViewMiddleware"] = CsrfViewMiddleware
    return [f"{__name__}.{swaps[path].__name__}" if path in swaps else path for path in middleware]


@contextmanager
def loop_safe_middleware():
    """While Django loads an async chain: the loop-safe middleware as the classes above."""
    project = settings.MIDDLEWARE
    settings.MIDDLEWARE = on_the_loop(project)
    try:
        yield
    finally:
        settings.MIDDLEWARE = project
