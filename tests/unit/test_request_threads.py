"""Requests borrow threads for their sync code: one thread for a request's whole life, another
request's at the same time, and reused afterwards instead of made again."""

import asyncio
import threading

from asgiref.sync import sync_to_async

from django_runtime.request_threads import RequestThreads


async def request_threads(threads: RequestThreads, calls: int, pause: float = 0) -> set[int]:
    seen = set()
    async with threads.lent():
        for _ in range(calls):
            seen.add(await sync_to_async(threading.get_ident)())
            await asyncio.sleep(pause)
    return seen


def test_a_request_keeps_one_thread_and_the_next_reuses_it():
    threads = RequestThreads(keep_idle=4)

    async def two_in_a_row():
        return await request_threads(threads, 3), await request_threads(threads, 3)

    first, second = asyncio.run(two_in_a_row())
    assert len(first) == 1
    assert first == second
    assert first != {threading.get_ident()}


def test_requests_at_the_same_time_have_threads_of_their_own():
    threads = RequestThreads(keep_idle=4)

    async def at_once():
        return await asyncio.gather(*(request_threads(threads, 3, 0.01) for _ in range(3)))

    seen = asyncio.run(at_once())
    assert all(len(one) == 1 for one in seen)
    assert len(set.union(*seen)) == 3
    assert len(threads.idle) == 3


def test_threads_past_the_idle_limit_end():
    threads = RequestThreads(keep_idle=1)

    async def at_once():
        await asyncio.gather(*(request_threads(threads, 1, 0.01) for _ in range(3)))

    asyncio.run(at_once())
    assert len(threads.idle) == 1
