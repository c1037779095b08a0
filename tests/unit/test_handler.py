"""Our ASGI handler's lanes answer as Django's handler does, with less of the chain."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import asgiref.sync
import pytest
from asgiref.testing import ApplicationCommunicator
from django.core import signals
from django.core.asgi import get_asgi_application
from django.db import connection
from django.templatetags.static import static

from django_runtime import handler, request_threads
from tests.unit import bridge_views, tripwire
from tests.unit.conftest import AsgiClient, closes_done

TRIPWIRE = "tests.unit.tripwire.TripwireMiddleware"
PROBE_HOST = {"Host": "10.1.2.3"}
ETAG = "{etag}"  # replaced by the file's ETag


def same_answer(path: str, **request) -> tuple:
    """The answer of Django's handler and of ours to the same request (ours answers it
    twice: a small static file is read the first time, from memory the next)."""
    django_response = AsgiClient(get_asgi_application).request(path, **request)
    ours = AsgiClient(handler.get_asgi_application)
    first, again = ours.request(path, **request), ours.request(path, **request)
    assert (again.status, again.headers, again.body) == (first.status, first.headers, first.body)
    return tuple((r.status, r.headers, r.body) for r in (django_response, first))


@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"method": "HEAD"},
        {"headers": {"Accept-Encoding": "br, gzip"}},
        {"headers": {"Range": "bytes=10-19"}},
        {"scheme": "http"},  # SecurityMiddleware's HTTPS redirect
        {"scheme": "http", "headers": {"Host": "evil.example"}},  # a bad Host on that redirect
        {"method": "POST"},
        {"headers": {"If-None-Match": ETAG}},
        {"headers": {"If-Modified-Since": "Sat, 01 Jan 2080 00:00:00 GMT"}},
        {"headers": {"Accept-Encoding": "gzip", "If-None-Match": '"other"'}},
    ],
    ids=[
        "get",
        "head",
        "encoded",
        "range",
        "redirect",
        "bad-host-redirect",
        "post",
        "etag-304",
        "since-304",
        "etag-changed",
    ],
)
def test_static_lane_answers_as_the_chain(collected_static, request_):
    url = static("service/site.css")
    etag = AsgiClient().request(url).headers["etag"]
    headers = {k: v.replace(ETAG, etag) for k, v in request_.get("headers", {}).items()}
    django_answer, ours = same_answer(url, **{**request_, "headers": headers})
    assert ours == django_answer


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_as_the_chain(collected_static, path):
    django_answer, ours = same_answer(path, headers=PROBE_HOST)
    assert ours == django_answer
    assert ours[0] in (200, 503)


def test_static_lane_keeps_the_security_headers(collected_static):
    response = AsgiClient(handler.get_asgi_application).request(static("service/site.css"))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["referrer-policy"] == "same-origin"


def test_probes_and_static_files_are_answered_before_the_chain(collected_static, settings):
    settings.MIDDLEWARE = [TRIPWIRE, *settings.MIDDLEWARE]
    tripwire.reached.clear()
    client = AsgiClient(handler.get_asgi_application)
    assert client.request("/healthz", headers=PROBE_HOST).status == 200
    assert tripwire.reached == []
    # A probe's path by host name is the app's to answer (it has no such page).
    assert client.request("/healthz").status == 404
    assert tripwire.reached == ["/healthz"]


def test_static_files_go_through_the_chain_when_a_middleware_stands_ahead(
    collected_static, settings
):
    settings.MIDDLEWARE = [TRIPWIRE, *settings.MIDDLEWARE]
    tripwire.reached.clear()
    url = static("service/site.css")
    django_answer, ours = same_answer(url)
    assert ours == django_answer
    assert tripwire.reached == [url] * 3  # Django once, ours twice


def test_a_sync_request_runs_its_whole_chain_in_one_thread(collected_static, settings):
    # First and last in the chain; Django's handler runs the first on the event loop.
    recorder = "tests.unit.tripwire.ThreadRecorder"
    settings.MIDDLEWARE = [recorder, *settings.MIDDLEWARE, recorder]
    tripwire.threads.clear()
    response = AsgiClient(handler.get_asgi_application).request("/demo/sleep?ms=1")
    assert response.status == 200
    assert len(tripwire.threads) == 2
    assert len(set(tripwire.threads)) == 1
    assert tripwire.threads[0] != threading.main_thread().ident


def test_an_async_view_keeps_the_async_chain_on_the_event_loop(collected_static, settings):
    settings.MIDDLEWARE = ["tests.unit.tripwire.ThreadRecorder", *settings.MIDDLEWARE]
    tripwire.threads.clear()
    response = AsgiClient(handler.get_asgi_application).request("/demo/async-sleep?ms=1")
    assert response.status == 200
    assert tripwire.threads == [threading.main_thread().ident]


hops = [0]


class CountingExecutor(ThreadPoolExecutor):  # Django's own request threads
    def submit(self, *args, **kwargs):
        hops[0] += 1
        return super().submit(*args, **kwargs)


class CountingThread(request_threads.RequestThread):  # ours
    def submit(self, *args, **kwargs):
        hops[0] += 1
        return super().submit(*args, **kwargs)

    def call(self, *args):
        hops[0] += 1
        return super().call(*args)

    def then(self, *args, **kwargs):
        hops[0] += 1
        return super().then(*args, **kwargs)


def thread_hops(make_application, path: str, monkeypatch) -> int:
    monkeypatch.setattr(request_threads, "RequestThread", CountingThread)
    monkeypatch.setattr(asgiref.sync, "ThreadPoolExecutor", CountingExecutor)
    client = AsgiClient(make_application)
    hops[0] = 0
    assert client.request(path).status == 200
    return hops[0]


def test_an_async_view_takes_only_the_signals_hops(collected_static, monkeypatch):
    path = "/demo/async-sleep?ms=1"
    # Django's: request_started, close (request_finished), and each sync middleware hook.
    assert thread_hops(get_asgi_application, path, monkeypatch) >= 8
    assert thread_hops(handler.get_asgi_application, path, monkeypatch) == 2


def test_a_sync_view_takes_one_hop_and_its_close_another(collected_static, monkeypatch):
    path = "/demo/sleep?ms=1"
    assert thread_hops(get_asgi_application, path, monkeypatch) >= 3
    assert thread_hops(handler.get_asgi_application, path, monkeypatch) == 2


def test_an_async_view_answers_as_under_django(collected_static):
    django_answer, ours = same_answer("/demo/async-sleep?ms=1")
    assert ours == django_answer


def test_the_project_middleware_setting_is_untouched(collected_static, settings):
    before = list(settings.MIDDLEWARE)
    handler.get_asgi_application()
    assert before == settings.MIDDLEWARE
    assert "django.middleware.security.SecurityMiddleware" in settings.MIDDLEWARE


def test_a_file_in_memory_still_redirects_plain_http(collected_static):
    client = AsgiClient(handler.get_asgi_application)
    url = static("service/site.css")
    assert client.request(url).status == 200  # read, and kept in memory
    assert client.request(url).status == 200  # from memory
    redirect = client.request(url, scheme="http")
    assert redirect.status == 301
    assert redirect.headers["location"] == f"https://testserver{url}"


@pytest.fixture
def bridges_client(settings, make_asgi_client) -> AsgiClient:
    """A client of the views that cross back into async code or stream, under each handler."""
    settings.ROOT_URLCONF = "tests.unit.bridge_views"
    bridge_views.ran_in.clear()
    return make_asgi_client()


def test_async_to_sync_in_a_sync_view_runs_on_the_servers_loop(bridges_client):
    response = bridges_client.request("/calls-async")
    assert (response.status, response.body) == (200, b"called")
    assert bridge_views.ran_in["coroutine"] == threading.main_thread().ident
    assert bridge_views.ran_in["view"] != threading.main_thread().ident


def test_a_streamed_response_is_iterated_and_closed_in_the_requests_thread(bridges_client):
    response = bridges_client.request("/streams")
    assert (response.status, response.body) == (200, b"streamed")
    assert bridge_views.ran_in["close"] == bridge_views.ran_in["view"]
    assert bridge_views.ran_in["iterator"] == bridge_views.ran_in["view"]


def test_a_client_gone_during_an_async_view_cancels_it_and_the_request_finishes(bridges_client):
    finished = []

    def record_finished(**kwargs) -> None:
        finished.append(threading.get_ident())

    async def disconnect_while_waiting() -> None:
        scope = AsgiClient.scope("/waits", "GET", {}, "https")
        communicator = ApplicationCommunicator(bridges_client.application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        await asyncio.sleep(0.2)
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(timeout=5)
        assert await communicator.receive_nothing()  # no answer to a client that went

    signals.request_finished.connect(record_finished)
    try:
        asyncio.run(disconnect_while_waiting())
    finally:
        signals.request_finished.disconnect(record_finished)
    assert bridge_views.ran_in["cancelled"] == threading.main_thread().ident
    assert len(finished) == 1


@pytest.mark.parametrize("parts", [[b""], [b"whole body"], [b"in ", b"three ", b"messages"]])
def test_a_request_body_is_read_whole(bridges_client, parts):
    response = bridges_client.request("/echoes", method="POST", body_parts=parts)
    assert (response.status, response.body) == (200, b"".join(parts))


BOTH_LANES = pytest.mark.parametrize(
    ("path", "sync_code"),
    [("/calls-async", "view"), ("/calls-sync", "async view's sync code")],
    ids=["sync view", "async view"],
)


@dataclass
class SlowFinish:
    start: dict
    body: dict
    finished_in: list[int]
    request_done_first: bool  # the request's task ended while request_finished still ran


def finish_slowly(application, path: str) -> SlowFinish:
    """A request whose request_finished receiver holds until the request's task has had 2 s
    to end."""
    finishing, release = threading.Event(), threading.Event()
    finished_in = []

    def slow_finish(**kwargs) -> None:
        finished_in.append(threading.get_ident())
        finishing.set()
        release.wait(5)

    async def ask() -> SlowFinish:
        scope = AsgiClient.scope(path, "GET", {}, "https")
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start, body = [await communicator.receive_output(timeout=2) for _ in range(2)]
        await asyncio.to_thread(finishing.wait, 5)
        await asyncio.wait([communicator.future], timeout=2)
        done_first = communicator.future.done()
        release.set()
        await communicator.wait(timeout=5)
        return SlowFinish(start, body, finished_in, done_first)

    signals.request_finished.connect(slow_finish)
    try:
        return asyncio.run(ask())
    finally:
        release.set()
        signals.request_finished.disconnect(slow_finish)


@BOTH_LANES
def test_the_answer_is_out_before_request_finished_runs_in_the_requests_thread(
    bridges_client, path, sync_code
):
    """As under WSGI: the client does not wait for request_finished's receivers, which run in
    the thread that ran the request's sync code."""
    slow = finish_slowly(bridges_client.application, path)
    assert (slow.start["status"], slow.body["body"]) == (200, b"called")
    assert slow.finished_in == [bridge_views.ran_in[sync_code]]


@BOTH_LANES
def test_our_request_is_done_without_waiting_for_request_finished(
    collected_static, settings, path, sync_code
):
    """Nor does the event loop: the close is queued in the request's thread (Django's handler
    awaits it)."""
    settings.ROOT_URLCONF = "tests.unit.bridge_views"
    application = handler.get_asgi_application()
    slow = finish_slowly(application, path)
    closes_done(application)
    assert slow.request_done_first
    assert slow.finished_in == [bridge_views.ran_in[sync_code]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "parked_at_close"),
    [("/queries", 1), ("/queries-while-streaming", 0)],
    ids=["whole answer", "streamed answer"],
)
def test_a_whole_answer_gives_back_its_database_connection_before_its_close(
    collected_static, settings, path, parked_at_close
):
    """Not after the hop to the loop and the send: under load those hold it longer than its
    queries. A streamed answer may still query: its connection is its own until its close."""
    settings.ROOT_URLCONF = "tests.unit.bridge_views"
    application = handler.get_asgi_application()
    parked = lambda: len(application.kept.parked["default"])  # noqa: E731
    at_close = []

    def record(**kwargs) -> None:
        at_close.append(parked())

    signals.request_finished.connect(record)
    try:
        response = AsgiClient(lambda: application).request(path)
    finally:
        signals.request_finished.disconnect(record)
    assert (response.status, response.body) == (200, b"queried")
    assert (at_close, parked()) == ([parked_at_close], 1)


@pytest.mark.django_db(transaction=True)
def test_a_close_that_queries_after_the_early_give_back_borrows_again_and_gives_it_back(
    collected_static, settings
):
    """A request_finished receiver runs after a whole answer's connection went back: one that
    queries borrows a kept connection again, which comes back after the close."""
    settings.ROOT_URLCONF = "tests.unit.bridge_views"
    application = handler.get_asgi_application()
    queried = []

    def query_after(**kwargs) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            queried.append(cursor.fetchone()[0])

    signals.request_finished.connect(query_after)
    try:
        response = AsgiClient(lambda: application).request("/queries")
        closes_done(application)
    finally:
        signals.request_finished.disconnect(query_after)
    kept = application.kept
    assert (response.status, queried) == (200, [1])
    assert (len(kept.parked["default"]), len(kept.kept["default"]), kept.opened_apart) == (1, 1, 0)
