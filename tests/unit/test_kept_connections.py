"""A worker's database connections are kept between requests, at most a few, and lent to
whichever request thread first needs one; a request waits for one while they keep coming back,
and opens its own, closed after, only when none has come back for a while; every request gives
back what it borrowed, however it ended."""

import socket
import textwrap
import time
from types import SimpleNamespace

import pytest

from django_runtime.kept_connections import KeptConnections
from tests.unit.manage_py import PRODUCTION_ENV, WORKER_ENV, python_in_app

SETTINGS = {"DJANGO_SETTINGS_MODULE": WORKER_ENV["DJANGO_SETTINGS_MODULE"]}

# Requests through the handler's request threads, each querying in its thread; every
# connection Django opens is recorded.
REQUESTS = textwrap.dedent(
    """
    import asyncio, functools, sys, threading, time
    import django
    django.setup()
    from django.core import signals
    from django.db import connection
    from django.db.backends.signals import connection_created
    from django_runtime.kept_connections import KeptConnections
    from django_runtime.request_threads import RequestThreads

    opened = []
    def record(sender, connection, **kwargs):
        opened.append(connection)
    connection_created.connect(record)
    checks = []  # Django's health check before a request's first query (CONN_HEALTH_CHECKS)
    from django.db.backends.sqlite3.base import DatabaseWrapper
    is_usable = DatabaseWrapper.is_usable
    def counted(wrapper):
        checks.append(wrapper)
        return is_usable(wrapper)
    DatabaseWrapper.is_usable = counted
    limit, wait_seconds, alive_seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    kept = KeptConnections(limit, wait_seconds, alive_seconds)
    kept.lend_to_request_threads()
    threads = RequestThreads(
        8, after_request=kept.give_back_borrowed, after_drain=kept.close_parked
    )

    def still_open():
        return sum(wrapper.connection is not None for wrapper in opened)

    def until_waiting(count):
        while len(kept.waiters["default"]) < count:
            time.sleep(0.001)

    def page(hold=0.05, fail=False):
        signals.request_started.send(None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        time.sleep(hold)  # the requests overlap
        if fail:
            raise RuntimeError("the chain raised")

    async def request(**how):
        thread = threads.take()
        try:
            await thread.call(functools.partial(page, **how))
        except RuntimeError:
            threads.finish(thread, None)  # as the handler does: no response to close
            return
        threads.finish(thread, lambda: signals.request_finished.send(None))

    async def settled():
        while threads.closing:
            await asyncio.sleep(0.01)
    """
)


def run(
    body: str, tmp_path, limit: int, wait_seconds: float, alive_seconds: float = 0
) -> list[str]:
    script = REQUESTS + textwrap.dedent(body)
    database = str(tmp_path / "db.sqlite3")
    result = python_in_app(
        "-c", script, str(limit), str(wait_seconds), str(alive_seconds),
        SQLITE_PATH=database, **PRODUCTION_ENV, **SETTINGS,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_a_worker_keeps_at_most_its_limit_and_closes_the_rest_after_their_requests(tmp_path):
    lines = run(
        """
        async def main():
            await asyncio.gather(*(request() for _ in range(5)))
            await settled()
            print("opened", len(opened), "open", still_open(), "apart", kept.opened_apart)
        asyncio.run(main())
        threads.drain()
        print("open after draining", still_open())
        """,
        tmp_path,
        limit=2,
        wait_seconds=0,
    )
    assert lines == ["opened 5 open 2 apart 3", "open after draining 0"]


def test_a_request_waits_for_a_kept_connection_another_thread_gives_back(tmp_path):
    lines = run(
        """
        async def main():
            await asyncio.gather(*(request() for _ in range(3)))
            await settled()
            print("opened", len(opened), "open", still_open(), "threads", len(threads.idle))
        asyncio.run(main())
        """,
        tmp_path,
        limit=1,
        wait_seconds=5,
    )
    assert lines == ["opened 1 open 1 threads 3"]


@pytest.mark.parametrize("how", ["fail=True", "hold=0"])
def test_a_connection_comes_back_however_its_request_ended(tmp_path, how):
    lines = run(
        f"""
        async def main():
            await request({how})
            await settled()
            print("given back", len(kept.parked["default"]))
            await asyncio.gather(request(), request())  # the second thread waits for no one
            await settled()
            print("opened", len(opened), "apart", kept.opened_apart)
        asyncio.run(main())
        """,
        tmp_path,
        limit=1,
        wait_seconds=0,
    )
    assert lines == ["given back 1", "opened 2 apart 1"]


def test_a_connection_left_outside_autocommit_is_closed_not_lent_as_it_is(tmp_path):
    """Given back early (a whole answer's, before request_finished) or from a request that
    ended without request_finished: closed as request_finished would, so the next request
    gets a connection of its own making, not the last one's open transaction."""
    lines = run(
        """
        from django.db import transaction

        def leaves_autocommit_off():
            page(hold=0)
            transaction.set_autocommit(False)

        def reports_autocommit():
            page(hold=0)
            return transaction.get_autocommit()

        async def main():
            thread = threads.take()
            await thread.call(leaves_autocommit_off)
            threads.finish(thread, None)  # no request_finished
            await settled()
            thread = threads.take()
            print("autocommit", await thread.call(reports_autocommit))
            threads.finish(thread, None)
            await settled()
            print("connected", len(opened))
        asyncio.run(main())
        """,
        tmp_path,
        limit=1,
        wait_seconds=0,
    )
    assert lines == ["autocommit True", "connected 2"]


@pytest.mark.parametrize(
    ("alive_seconds", "pause", "checks"),
    [(60, 0, 0), (0, 0, 1), (0.1, 0.3, 1)],
    ids=["back-within-the-window", "no-window", "idle-past-the-window"],
)
def test_a_kept_connection_is_checked_before_reuse_unless_it_came_back_within_the_window(
    tmp_path, alive_seconds, pause, checks
):
    lines = run(
        f"""
        async def main():
            await request(hold=0)
            await settled()
            await asyncio.sleep({pause})
            await request(hold=0)
            await settled()
            print("opened", len(opened), "checked", len(checks))
        asyncio.run(main())
        """,
        tmp_path,
        limit=1,
        wait_seconds=0,
        alive_seconds=alive_seconds,
    )
    assert lines == [f"opened 1 checked {checks}"]


def test_a_connection_handed_to_a_waiting_request_is_not_checked_again(tmp_path):
    lines = run(
        """
        async def main():
            await asyncio.gather(*(request() for _ in range(3)))
            await settled()
            print("opened", len(opened), "checked", len(checks))
        asyncio.run(main())
        """,
        tmp_path,
        limit=1,
        wait_seconds=5,
        alive_seconds=60,
    )
    assert lines == ["opened 1 checked 0"]


def test_a_connection_the_database_closed_is_checked_even_within_the_window():
    """A database that closed a kept connection (a restart, a failover, a KILL) left the end of
    its stream on the socket: the connection is checked, however recently it came back."""
    kept = KeptConnections(1, 0, alive_seconds=60)
    ours, database_side = socket.socketpair()
    wrapper = SimpleNamespace(connection=ours, health_check_done=False)
    with ours:
        kept.checked_if_idle(wrapper, time.monotonic())
        lent_unchecked = wrapper.health_check_done
        wrapper.health_check_done = False
        database_side.close()
        kept.checked_if_idle(wrapper, time.monotonic())
    assert (lent_unchecked, wrapper.health_check_done) == (True, False)


def test_threads_other_than_request_threads_keep_their_own(tmp_path):
    lines = run(
        """
        def elsewhere():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()
        print("opened", len(opened), "kept", sum(map(len, kept.kept.values())))
        """,
        tmp_path,
        limit=1,
        wait_seconds=0,
    )
    assert lines == ["opened 1 kept 0"]


def test_a_connection_given_back_goes_to_the_request_waiting_longest(tmp_path):
    lines = run(
        """
        from concurrent.futures import ThreadPoolExecutor
        first = kept.borrow("default")  # the only one kept
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(kept.borrow, "default")
            until_waiting(1)
            kept.give_back(first)
            print("parked", len(kept.parked["default"]), "handed", waiting.result() is first)
        """,
        tmp_path,
        limit=1,
        wait_seconds=5,
    )
    # Parked instead, it would go to whichever request asks next, not to the one waiting.
    assert lines == ["parked 0 handed True"]


def test_a_request_waits_past_the_wait_while_connections_keep_coming_back(tmp_path):
    # Its turn comes after 0.24 s, longer than the 0.2 s wait, but one came back 0.12 s before:
    # on a slow or busy machine the queue is slower, not stalled.
    lines = run(
        """
        from concurrent.futures import ThreadPoolExecutor
        held = kept.borrow("default")  # the only one kept
        def use_and_give_back():
            wrapper = kept.borrow("default")
            time.sleep(0.12)
            kept.give_back(wrapper)
        with ThreadPoolExecutor(2) as pool:
            ahead = pool.submit(use_and_give_back)
            until_waiting(1)
            behind = pool.submit(kept.borrow, "default")
            until_waiting(2)
            time.sleep(0.12)
            kept.give_back(held)
            ahead.result()
            print("handed", behind.result() is held, "apart", kept.opened_apart)
        """,
        tmp_path,
        limit=1,
        wait_seconds=0.2,
    )
    assert lines == ["handed True apart 0"]


def test_a_request_opens_its_own_when_none_comes_back_for_the_wait(tmp_path):
    lines = run(
        """
        held = kept.borrow("default")  # the only one kept, never given back
        started = time.monotonic()
        own = kept.borrow("default")
        waited = time.monotonic() - started
        print("own", own is not held, "apart", kept.opened_apart, "waited", 0.1 <= waited < 1)
        """,
        tmp_path,
        limit=1,
        wait_seconds=0.1,
    )
    assert lines == ["own True apart 1 waited True"]


def test_a_worker_lending_anew_makes_its_connections_with_djangos_own_method(tmp_path):
    # A second handler in the same process (a test's, a reload's) lends from a pool of its own;
    # the first one's pool lends nothing it would never get back.
    lines = run(
        """
        later = KeptConnections(1, 0)
        later.lend_to_request_threads()
        threads.after_request = later.give_back_borrowed
        async def main():
            await request()
            await settled()
            held = lambda pool: sum(map(len, pool.kept.values()))
            parked = len(later.parked["default"])
            print("earlier", held(kept), "later", held(later), "parked", parked)
        asyncio.run(main())
        """,
        tmp_path,
        limit=1,
        wait_seconds=0,
    )
    assert lines == ["earlier 0 later 1 parked 1"]
