"""What moving from Daphne to uvicorn workers was for, measured over real HTTP.

Sync views that wait overlap even in one process (Django runs each in its own thread);
CPU-bound views only run in parallel across worker processes.
"""

import os
import time
from functools import partial

import pytest

from lifecycle.harness.cpu import cores_busy_during
from lifecycle.harness.http_load import burst
from lifecycle.harness.stack import INGRESS_HEADERS, worker_pids


def one_then_many(url: str, concurrency: int):
    single = burst(url, 1, headers=INGRESS_HEADERS)
    many = burst(url, concurrency, headers=INGRESS_HEADERS)
    assert single.ok_2xx == 1
    assert many.ok_2xx == concurrency, many
    return single, many


def test_sync_io_requests_run_concurrently(app):
    single, many = one_then_many(app.url("/demo/sleep?ms=250"), 64)
    assert many.wall_seconds < 2 * single.wall_seconds, (single, many)


def test_async_requests_run_concurrently(app):
    single, many = one_then_many(app.url("/demo/async-sleep?ms=250"), 500)
    # Run one after another these take 125 s; through a pool of 40 threads (a common server
    # default) 3.1 s, 12.5x. Django's ASGI handler costs about a millisecond of CPU a
    # request (a thread per request for its signals), so 500 at once on two cores shared
    # with the client measured 2.1x to 5.2x one request here: the bound is 8x, not 2x.
    assert many.wall_seconds < 8 * single.wall_seconds, (single, many)


def test_database_waits_overlap_and_a_worker_keeps_only_its_few_connections(
    app_with, connections_from
):
    with app_with(DATABASE_CONNECTIONS_KEPT="2") as server:
        single, many = one_then_many(server.url("/demo/db-sleep?ms=250"), 32)
        assert many.wall_seconds < 2 * single.wall_seconds, (single, many)
        assert connections_from(server) <= 2 * len(worker_pids(server))


def test_async_views_give_back_the_connections_their_orm_calls_borrow(app_with, connections_from):
    """An async view's ORM call borrows a kept connection in the request's thread; it is given
    back after the request, as a sync view's is, and one opened beyond the kept is closed."""
    with app_with(DATABASE_CONNECTIONS_KEPT="2") as server:
        pages = burst(server.url("/demo/async-db"), 400, 32, headers=INGRESS_HEADERS)
        assert pages.ok_2xx == 400, pages
        bound = 2 * len(worker_pids(server))
        # The last requests' closes run just after their answers.
        deadline = time.monotonic() + 5
        while (held := connections_from(server)) > bound and time.monotonic() < deadline:
            time.sleep(0.1)
        # Not given back, each thread would hold what it borrowed or opened: one per thread.
        assert held <= bound, (held, bound)


def cores_busy(server, url_path: str, requests: int, concurrency: int) -> float:
    """The server container's CPU seconds per wall second while it serves a burst."""
    # A keep-alive connection stays with the worker that accepted it, and a few connections
    # can all land on one worker; a connection per request spreads them, as many clients
    # behind an ingress do.
    headers = {**INGRESS_HEADERS, "Connection": "close"}
    fire = partial(burst, server.url(url_path), requests, concurrency, headers=headers)
    result, cores = cores_busy_during(server.docker, fire)
    assert result.ok_2xx == requests, result
    return cores


def test_cpu_bound_views_run_in_parallel_across_workers(app, app_one_worker):
    url_path = "/demo/cpu?rounds=150000"
    cores = len(os.sched_getaffinity(0))
    workers = len(worker_pids(app))
    if min(workers, cores) < 2:
        pytest.skip(f"{cores} CPU, {workers} worker: one process per core cannot beat one")
    concurrency = 2 * workers
    # Cores kept busy, not requests a second: a throughput ratio between two servers measured
    # apart moves with whatever else the shared cores run in between (1.39x for 2 workers
    # failed a 1.4x bound in CI), while what one server keeps busy is read in its own window.
    # The best of three windows, so a moment of someone else's load does not decide it.
    one = max(cores_busy(app_one_worker, url_path, 20, concurrency) for _ in range(3))
    many = max(cores_busy(app, url_path, 20 * workers, concurrency) for _ in range(3))
    # One worker holds the GIL for all its Python: about one core, whatever the load.
    assert one < 1.15, (workers, cores, one, many)
    assert many >= 0.65 * min(workers, cores), (workers, cores, one, many)
