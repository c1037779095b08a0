"""The sample's page and a worker killed under load, over real HTTP."""

import concurrent.futures
import threading
import time

from lifecycle.harness.stack import status_of, worker_pids


def test_home_page_counts_visits_in_mysql(web):
    visits = [int(web.get("/").text.split('data-visits="')[1].split('"')[0]) for _ in range(2)]
    assert visits[1] == visits[0] + 1


def test_killed_worker_is_replaced_and_service_keeps_answering(disposable_app):
    before = worker_pids(disposable_app)
    assert len(before) >= 2, before
    url = disposable_app.url("/demo/sleep?ms=100")
    stop_at = time.monotonic() + 4
    statuses: list[int] = []

    def keep_asking() -> None:
        while time.monotonic() < stop_at:
            statuses.append(status_of(url, timeout=10))

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


def test_a_query_in_flight_when_mysql_freezes_fails_within_the_read_timeout(app_with, database):
    mysql = database.container.get_wrapped_container()
    with app_with(MYSQL_READ_TIMEOUT="2") as server:
        answer = {}

        def ask() -> None:
            started = time.monotonic()
            answer["status"] = status_of(server.url("/demo/db-sleep?ms=1000"), timeout=60)
            answer["seconds"] = time.monotonic() - started

        asking = threading.Thread(target=ask)
        asking.start()
        time.sleep(0.3)
        mysql.pause()  # frozen mid-query, as a stuck or partitioned server is

        def unfreeze() -> None:
            mysql.reload()
            if mysql.status == "paused":
                mysql.unpause()

        thaw = threading.Timer(15, unfreeze)
        thaw.start()
        try:
            asking.join(30)
        finally:
            thaw.cancel()
            unfreeze()
    assert answer["status"] == 500
    assert answer["seconds"] < 6, answer  # the read timeout, not the 15 s freeze
