"""Faults production will see: shutdown mid-request, a worker killed, the database restarted."""

import concurrent.futures
import time

import httpx
import pytest

from lifecycle.harness.stack import INGRESS_HEADERS, app_server, migrated_database, worker_pids


def get(url: str, timeout: float = 30) -> int:
    try:
        return httpx.get(url, headers=INGRESS_HEADERS, timeout=timeout).status_code
    except httpx.TransportError:
        return 0


def test_sigterm_lets_in_flight_requests_finish(disposable_app):
    url = disposable_app.url("/demo/sleep?ms=2000")
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        in_flight = [pool.submit(get, url) for _ in range(8)]
        time.sleep(0.7)
        disposable_app.docker.kill(signal="SIGTERM")
        statuses = [future.result() for future in in_flight]
    assert statuses == [200] * 8
    disposable_app.docker.wait(timeout=30)
    disposable_app.docker.reload()
    assert disposable_app.docker.attrs["State"]["ExitCode"] == 0


def test_killed_worker_is_replaced_and_service_keeps_answering(disposable_app):
    before = worker_pids(disposable_app)
    assert len(before) >= 2, before
    url = disposable_app.url("/demo/sleep?ms=100")
    stop_at = time.monotonic() + 4
    statuses: list[int] = []

    def keep_asking() -> None:
        while time.monotonic() < stop_at:
            statuses.append(get(url, timeout=10))

    concurrency = 8
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        load = [pool.submit(keep_asking) for _ in range(concurrency)]
        time.sleep(1)
        killed = before[0]
        disposable_app.docker.exec_run(["python", "-c", f"import os; os.kill({killed}, 9)"])
        for future in load:
            future.result()
    failures = sum(1 for status in statuses if status != 200)
    # Only the requests the killed worker held may fail: at most one per client connection.
    assert failures <= concurrency, (failures, len(statuses))
    assert statuses[-concurrency:] == [200] * concurrency
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        after = worker_pids(disposable_app)
        if len(after) == len(before) and killed not in after:
            break
        time.sleep(0.2)
    assert len(after) == len(before) and killed not in after, (before, after)


@pytest.fixture
def own_database_stack(docker_client, images, app_port):
    """MySQL and the app on a network of their own, so restarting MySQL disturbs no other test."""
    with (
        migrated_database(docker_client, images.app, images.mysql) as db,
        app_server(images.app, app_port, db.network, db.app_env) as server,
    ):
        yield db.database, server


def wait_for_status(url: str, wanted: int, timeout: float = 60) -> list[int]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(get(url, timeout=10))
        if seen[-1] == wanted:
            return seen
        time.sleep(0.25)
    raise AssertionError(f"{url} never answered {wanted}; last answers {seen[-5:]}")


def test_mysql_restart_makes_readiness_fail_then_recover_without_app_restart(own_database_stack):
    database, server = own_database_stack
    started_at = server.docker.attrs["State"]["StartedAt"]
    assert get(server.url("/demo/db-sleep?ms=1")) == 200
    database.container.get_wrapped_container().stop(timeout=10)
    wait_for_status(server.url("/readyz"), 503)
    assert get(server.url("/healthz")) == 200  # alive, just not ready
    database.container.get_wrapped_container().start()
    wait_for_status(server.url("/readyz"), 200, timeout=90)
    assert get(server.url("/demo/db-sleep?ms=1")) == 200
    server.docker.reload()
    assert server.docker.attrs["State"]["StartedAt"] == started_at
    assert server.docker.attrs["RestartCount"] == 0
