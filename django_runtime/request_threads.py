"""Threads lent to requests for their thread-sensitive code, kept for the next request.

Django's ASGI handler gives each request a thread of its own for its sync code (asgiref's
ThreadSensitiveContext), made for the request and joined after it: under load, starting and
joining threads costs more CPU than the middleware they run. Here a request borrows an idle
thread (one is made when none is idle) and gives it back: still one thread per request for
the request's whole life, as Django requires, through asgiref's public ThreadSensitiveContext
with an executor the caller owns.
"""

import asyncio
import contextvars
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager

from asgiref.sync import AsyncToSync, SyncToAsync, ThreadSensitiveContext


class RequestThread(Executor):
    """One kept thread running what it is given, in turn: an Executor for asgiref's
    thread-sensitive calls, and call() for a request's hop, answered straight into the event
    loop's future (a concurrent Future, with its lock and condition, chained into the loop's
    is half the CPU of a hop)."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        # A daemon: an idle thread waits for work forever and must not hold the process open.
        self.worker = threading.Thread(target=self.work, name="request", daemon=True)
        self.worker.start()

    def work(self) -> None:
        while (job := self.jobs.get()) is not None:
            job()

    def call(self, function: Callable, *args) -> asyncio.Future:
        """function(*args) in this thread as sync_to_async runs it (in a copy of the caller's
        context, with the loop known to async_to_sync), without its per-call cost (the context
        copied back, the shield); its result (or exception) in the loop's future."""
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        context = contextvars.copy_context()

        def job() -> None:
            try:
                outcome = (context.run(run_for, loop, function, args), None)
            except BaseException as error:  # the awaiting request raises it
                outcome = (None, error)
            if not loop.is_closed():
                loop.call_soon_threadsafe(settle, answer, *outcome)

        self.jobs.put(job)
        return answer

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # as ThreadPoolExecutor's workers do
                future.set_exception(error)

        self.jobs.put(job)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.jobs.put(None)  # after the work already given
        if wait:
            self.worker.join()


def run_for(loop: asyncio.AbstractEventLoop, function: Callable, args: tuple):
    # What SyncToAsync's thread_handler tells AsyncToSync: the loop to run coroutines on.
    SyncToAsync.threadlocal.main_event_loop = loop
    SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
    return function(*args)


def settle(answer: asyncio.Future, result, error: BaseException | None) -> None:
    if answer.done():  # the request was cancelled meanwhile
        return
    if error is None:
        answer.set_result(result)
    else:
        answer.set_exception(error)


class RequestThreads:
    def __init__(self, keep_idle: int) -> None:
        self.keep_idle = keep_idle
        self.idle: list[RequestThread] = []
        # Said once here, in the context the server's request tasks inherit: no AsyncToSync
        # executor is current. Unset, each request's ThreadSensitiveContext would find out by
        # a failed lookup, an exception with a repr: a tenth of a request's CPU.
        AsyncToSync.executors.current = None

    def lent(self) -> "Lent":
        """Run the block's thread-sensitive calls (sync_to_async's default) in one thread."""
        return Lent(self, self.take())

    @contextmanager
    def borrowed(self) -> Iterator[RequestThread]:
        """A thread for the block to run its sync code in, given back after it."""
        thread = self.take()
        try:
            yield thread
        finally:
            self.give_back(thread)

    def take(self) -> RequestThread:
        return self.idle.pop() if self.idle else RequestThread()

    def give_back(self, thread: RequestThread) -> None:
        if len(self.idle) < self.keep_idle:
            self.idle.append(thread)
        else:
            thread.shutdown(wait=False)


class Lent(ThreadSensitiveContext):
    """asgiref's context for thread-sensitive calls, with a lent thread given back on exit."""

    def __init__(self, threads: RequestThreads, thread: RequestThread) -> None:
        super().__init__(executor=thread)
        self.threads = threads
        self.thread = thread

    async def __aexit__(self, exc, value, tb) -> None:
        try:
            await super().__aexit__(exc, value, tb)
        finally:
            self.threads.give_back(self.thread)
