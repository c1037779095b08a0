"""Requests borrow threads for their sync code: one thread for a request's whole life, another
request's at the same time, and reused afterwards instead of made again."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async

from django_runtime.request_threads import RequestThread, RequestThreads


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


def test_a_call_answers_from_its_thread_in_turn_with_what_was_submitted():
    thread = RequestThread()

    async def both():
        submitted = asyncio.wrap_future(thread.submit(threading.get_ident))
        called = await thread.call(threading.get_ident)
        return await submitted, called

    submitted, called = asyncio.run(both())
    assert submitted == called == thread.worker.ident != threading.get_ident()


def test_a_calls_exception_is_raised_to_the_request():
    thread = RequestThread()

    async def failing():
        return await thread.call(int, "not a number")

    with pytest.raises(ValueError):
        asyncio.run(failing())


def test_an_answer_after_the_request_was_cancelled_is_dropped():
    thread = RequestThread()
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "late"

    errors = []

    async def cancelled_meanwhile():
        asyncio.get_running_loop().set_exception_handler(lambda loop, error: errors.append(error))
        answer = thread.call(slow)
        await asyncio.to_thread(started.wait, 5)
        answer.cancel()
        release.set()
        return await thread.call(lambda: "next")  # the late answer is settled before this one

    assert asyncio.run(cancelled_meanwhile()) == "next"
    assert errors == []


def test_a_thread_given_back_past_the_limit_ends():
    threads = RequestThreads(keep_idle=0)
    with threads.borrowed() as thread:
        pass
    thread.worker.join(5)
    assert not thread.worker.is_alive()
