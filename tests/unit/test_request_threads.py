"""Requests borrow threads for their sync code: one thread for a request's whole life, another
request's at the same time, and reused afterwards instead of made again."""

import asyncio
import os
import subprocess
import sys
import threading

import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async

from django_runtime import core_sharing
from django_runtime.request_threads import RequestThread, RequestThreads


async def request_threads(threads: RequestThreads, calls: int, pause: float = 0) -> set[int]:
    seen = set()
    thread = threads.take()
    try:
        async with ThreadSensitiveContext(executor=thread):  # as the handler's lanes do
            for _ in range(calls):
                seen.add(await sync_to_async(threading.get_ident)())
                await asyncio.sleep(pause)
    finally:
        threads.finish(thread, None)
    while threads.closing:  # the thread is given back from itself
        await asyncio.sleep(0.01)
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

    async def one_request() -> RequestThread:
        thread = threads.take()
        threads.finish(thread, None)
        return thread

    thread = asyncio.run(one_request())
    thread.worker.join(5)
    assert not thread.worker.is_alive()


def test_a_finished_requests_thread_is_given_back_only_once_its_close_is_done():
    threads = RequestThreads(keep_idle=4)
    closing, release = threading.Event(), threading.Event()
    ran_in = []

    def close() -> None:
        ran_in.append(threading.get_ident())
        closing.set()
        release.wait(5)

    async def finish_then_take() -> tuple[RequestThread, RequestThread]:
        thread = threads.take()
        threads.finish(thread, close)  # returns at once: nothing waits for the close
        await asyncio.to_thread(closing.wait, 5)
        meanwhile = threads.take()  # not the closing one
        release.set()
        await asyncio.to_thread(thread.jobs.put, None)
        return thread, meanwhile

    thread, meanwhile = asyncio.run(finish_then_take())
    thread.worker.join(5)
    assert meanwhile is not thread
    assert ran_in == [thread.worker.ident]
    assert list(threads.idle) == [thread]


def test_a_close_that_raises_is_logged_and_its_thread_still_given_back(caplog):
    threads = RequestThreads(keep_idle=4)

    async def finish_failing() -> RequestThread:
        thread = threads.take()
        threads.finish(thread, lambda: int("not a number"))
        return thread

    thread = asyncio.run(finish_failing())
    thread.shutdown(wait=True)  # after the close
    assert list(threads.idle) == [thread]
    assert "after the answer was sent" in caplog.text
    assert "ValueError" in caplog.text


EXITS_WHILE_CLOSING = """
import asyncio, time
from django_runtime.request_threads import RequestThreads

def close():
    time.sleep(0.5)
    print("closed", flush=True)

async def finish_and_exit():
    threads = RequestThreads(keep_idle=4)
    threads.finish(threads.take(), close)

asyncio.run(finish_and_exit())
print("exiting", flush=True)
"""


def test_a_worker_that_exits_first_lets_queued_closes_finish():
    done = subprocess.run(
        [sys.executable, "-c", EXITS_WHILE_CLOSING], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["exiting", "closed"]


def nice_of(thread: RequestThread) -> int:
    thread.submit(lambda: None).result()  # it has started and set its priority
    return os.getpriority(os.PRIO_PROCESS, thread.worker.native_id)


@pytest.mark.parametrize(("room", "lower"), [(True, core_sharing.YIELDING_NICE), (False, 0)])
def test_a_request_thread_yields_to_the_event_loop_only_while_the_worker_has_room(room, lower):
    threads = RequestThreads(keep_idle=4, has_room=lambda: room)
    thread = threads.take()
    try:
        assert (thread.yielding, nice_of(thread)) == (
            room,
            os.getpriority(os.PRIO_PROCESS, 0) + lower,
        )
    finally:
        thread.shutdown()


def test_a_thread_goes_back_to_its_own_pool():
    room = [True]
    threads = RequestThreads(keep_idle=4, has_room=lambda: room[0])

    async def one_then_the_other():
        yielding = await request_threads(threads, 1)
        room[0] = False
        return yielding, await request_threads(threads, 1)

    yielding, at_loop_priority = asyncio.run(one_then_the_other())
    assert yielding != at_loop_priority
    assert (len(threads.idle_yielding), len(threads.idle)) == (1, 1)
