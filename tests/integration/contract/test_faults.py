"""Faults production will see, on any app: shutdown mid-request, the database restarted."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from django_runtime.protocol import EXIT_REQUESTS_CUT
from lifecycle.harness.stack import (
    BIG_FILE_BYTES,
    BIG_FILE_PATH,
    INGRESS_HEADERS,
    PROBE_HEADERS,
    app_server,
    migrated_database,
    status_of,
)


def slow_download(url: str, received: list[int], started: threading.Event) -> None:
    """Read a large file slowly, as a client on a poor network does: the request stays in
    flight for seconds. A cut download ends early, with what arrived."""
    try:
        with httpx.stream("GET", url, headers=INGRESS_HEADERS, timeout=30) as response:
            for chunk in response.iter_raw(1024 * 1024):
                received.append(len(chunk))
                started.set()
                time.sleep(0.1)
    except httpx.TransportError:
        return


def test_sigterm_lets_in_flight_requests_finish(disposable_app):
    downloads = start_slow_downloads(disposable_app.url(BIG_FILE_PATH), 4)
    disposable_app.docker.kill(signal="SIGTERM")
    for thread, _ in downloads:
        thread.join(30)
    assert [sum(received) for _, received in downloads] == [BIG_FILE_BYTES] * 4
    disposable_app.docker.wait(timeout=30)
    disposable_app.docker.reload()
    assert disposable_app.docker.attrs["State"]["ExitCode"] == 0


def start_slow_downloads(url: str, count: int) -> list[tuple[threading.Thread, list[int]]]:
    downloads = []
    for _ in range(count):
        received, started = [], threading.Event()
        thread = threading.Thread(target=slow_download, args=(url, received, started))
        thread.start()
        assert started.wait(10)
        downloads.append((thread, received))
    return downloads


CONNECT_INSIDE = """
import os, socket
try:
    socket.create_connection(("127.0.0.1", int(os.environ["PORT"])), timeout=2).close()
    print("accepted")
except ConnectionRefusedError:
    print("refused")
except OSError as error:
    print(type(error).__name__)
"""


def test_new_connections_are_refused_as_soon_as_the_drain_starts(disposable_app):
    """With several workers too: a proxy sees a refusal and retries elsewhere, instead of a
    connection that waits in a queue no one reads, then is reset."""
    downloads = start_slow_downloads(disposable_app.url(BIG_FILE_PATH), 2)
    disposable_app.docker.kill(signal="SIGTERM")
    time.sleep(1.5)  # uvicorn's supervisor looks at its signals twice a second
    probe = disposable_app.docker.exec_run(["python", "-c", CONNECT_INSIDE])
    assert probe.output.decode().strip() == "refused"
    for thread, received in downloads:
        thread.join(30)
        assert sum(received) == BIG_FILE_BYTES  # in-flight requests still finish


def test_requests_cut_by_the_grace_period_are_counted_and_the_exit_is_non_zero(app_with):
    with app_with(GRACEFUL_SHUTDOWN_SECONDS="1") as server:
        downloads = start_slow_downloads(server.url(BIG_FILE_PATH), 2)
        server.docker.kill(signal="SIGTERM")
        assert server.docker.wait(timeout=30)["StatusCode"] == EXIT_REQUESTS_CUT
        logs = server.docker.logs().decode()
        for thread, _ in downloads:
            thread.join(30)
    cut = [line for line in logs.splitlines() if "requests cut" in line]
    assert cut and all("graceful shutdown timed out" in line for line in cut), logs[-1500:]
    assert sum(int(line.split(": ")[1].split()[0]) for line in cut) == 2


@pytest.fixture
def own_database_stack(docker_client, images, app_settings):
    """MySQL and the app on a network of their own, so restarting MySQL disturbs no other test."""
    with (
        migrated_database(
            docker_client, images.app, images.mysql, app_settings.test_environment
        ) as db,
        app_server(images.app, app_settings.port, db.network, db.app_env) as server,
    ):
        yield db.database, server


def wait_for_probe(url: str, wanted: int, timeout: float = 60) -> list[int]:
    """Ask as the kubelet does until the probe answers wanted."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(status_of(url, timeout=10, headers=PROBE_HEADERS))
        if seen[-1] == wanted:
            return seen
        time.sleep(0.25)
    raise AssertionError(f"{url} never answered {wanted}; last answers {seen[-5:]}")


def pages_at_once(server, count: int) -> list[int]:
    url = server.url("/")
    with ThreadPoolExecutor(8) as pool:
        pages = pool.map(lambda _: status_of(url, timeout=30), range(count))
        return sorted(pages)


def test_mysql_restart_makes_readiness_fail_then_recover_without_app_restart(own_database_stack):
    database, server = own_database_stack
    started_at = server.docker.attrs["State"]["StartedAt"]
    assert set(pages_at_once(server, 64)) == {200}  # the workers keep connections
    database.container.get_wrapped_container().stop(timeout=10)
    wait_for_probe(server.url("/readyz"), 503)
    assert status_of(server.url("/healthz"), headers=PROBE_HEADERS) == 200  # alive, not ready
    database.container.get_wrapped_container().start()
    wait_for_probe(server.url("/readyz"), 200, timeout=90)
    # Once ready, every page succeeds: a kept connection the restart broke is found broken
    # before the request's first query, and replaced.
    pages = pages_at_once(server, 64)
    assert set(pages) == {200}, (pages, server.docker.logs().decode()[-2000:])
    server.docker.reload()
    assert server.docker.attrs["State"]["StartedAt"] == started_at
    assert server.docker.attrs["RestartCount"] == 0


def test_connections_the_database_closed_are_replaced_even_just_after_a_request(
    app_with, kill_connections_from
):
    # A window longer than the test: every kept connection came back "a moment ago".
    with app_with(DATABASE_ALIVE_WINDOW_MS="600000") as server:
        assert set(pages_at_once(server, 64)) == {200}  # the workers keep connections
        assert kill_connections_from(server) > 0
        pages = pages_at_once(server, 64)
    assert set(pages) == {200}, pages
