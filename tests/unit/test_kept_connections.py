"""Database connections are kept by the request threads between requests, at most a few per
worker: the threads that keep one are lent first, and a thread that retires closes its own."""

import textwrap

from tests.unit.manage_py import PRODUCTION_ENV, WORKER_ENV, python_in_app

SETTINGS = {"DJANGO_SETTINGS_MODULE": WORKER_ENV["DJANGO_SETTINGS_MODULE"]}

# Five requests at once, each opening a connection in its own thread, with two connections
# kept per worker: what each thread holds after the closes, then after the threads retire.
FIVE_AT_ONCE = textwrap.dedent(
    """
    import asyncio, time
    import django
    django.setup()
    from django.core import signals
    from django.db import connection
    from django_runtime.kept_connections import KeptConnections, holds_open_connection
    from django_runtime.request_threads import RequestThreads

    kept = KeptConnections(2)
    left_open = []  # by each thread as it retires

    def retire():
        kept.retire()
        left_open.append(holds_open_connection())

    threads = RequestThreads(8, after_request=kept.after_request, on_retire=retire)

    def page():
        signals.request_started.send(None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        time.sleep(0.05)  # the five overlap

    async def request(work=page):
        thread = threads.take()
        answer = await thread.call(work)
        threads.finish(thread, lambda: signals.request_finished.send(None))
        return answer

    async def main():
        await asyncio.gather(*(request() for _ in range(5)))
        while threads.closing:
            await asyncio.sleep(0.01)
        holding = [await t.call(holds_open_connection) for t in [*threads.warm, *threads.idle]]
        print("kept after five:", sum(holding), "of", len(holding))
        print("next request finds one open:", await request(holds_open_connection))
        while threads.closing:
            await asyncio.sleep(0.01)

    asyncio.run(main())
    threads.drain()
    print("open after retiring:", sum(left_open), "of", len(left_open), len(kept.keepers))
    """
)


def test_a_worker_keeps_at_most_its_limit_lends_those_first_and_closes_them_on_retiring(
    tmp_path,
):
    database = str(tmp_path / "db.sqlite3")
    result = python_in_app("-c", FIVE_AT_ONCE, SQLITE_PATH=database, **PRODUCTION_ENV, **SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "kept after five: 2 of 5",
        "next request finds one open: True",
        "open after retiring: 0 of 5 0",
    ]
