"""Threads lent to requests for their thread-sensitive code, kept for the next request.

Django's ASGI handler gives each request a thread of its own for its sync code (asgiref's
ThreadSensitiveContext), made for the request and joined after it: under load, starting and
joining threads costs more CPU than the middleware they run. Here a request borrows an idle
thread (one is made when none is idle) and gives it back: still one thread per request for
the request's whole life, as Django requires, through asgiref's public ThreadSensitiveContext
with an executor the caller owns.

A request gets a thread that yields to the event loop while the worker has room on its core,
and one at the loop's priority under full load (django_runtime.core_sharing): two pools.

A request's close (request_finished) runs in its thread after the answer is sent, and the
thread gives itself back when that is done: neither the client nor the event loop waits for it.
A worker that exits first lets the closes still queued finish and its threads retire
(DRAIN_SECONDS at most).
"""

import asyncio
import atexit
import contextvars
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future

from asgiref.sync import AsyncToSync, SyncToAsync

from django_runtime.core_sharing import yield_to_loop

logger = logging.getLogger(__name__)
# How long an exiting worker waits for the closes still queued (they take milliseconds; a close
# that hangs must not hold the exit until the kubelet's SIGKILL).
DRAIN_SECONDS = 5.0
# Set in each request thread: what it borrows (a database connection) it gives back.
marked = threading.local()


def in_request_thread() -> bool:
    return getattr(marked, "request_thread", False)


class RequestThread(Executor):
    """One kept thread running what it is given, in turn: an Executor for asgiref's
    thread-sensitive calls, and call() for a request's hop, answered straight into the event
    loop's future (a concurrent Future, with its lock and condition, chained into the loop's
    is half the CPU of a hop)."""

    def __init__(self, yielding: bool = False) -> None:
        self.yielding = yielding  # runs after the event loop (core_sharing.yield_to_loop)
        self.jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        # A daemon: an idle thread waits for work forever and must not hold the process open.
        self.worker = threading.Thread(target=self.work, name="request", daemon=True)
        self.worker.start()

    def work(self) -> None:
        marked.request_thread = True
        if self.yielding:
            yield_to_loop()
        while (job := self.jobs.get()) is not None:
            job()

    def call(self, function: Callable, *args) -> asyncio.Future:
        """function(*args) in this thread as sync_to_async runs it (as_sync_to_async_would),
        without its per-call cost (the context copied back, the shield); its result (or
        exception) in the loop's future."""
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        run = as_sync_to_async_would(loop, function, args)

        def job() -> None:
            try:
                outcome = (run(), None)
            except BaseException as error:  # the awaiting request raises it
                outcome = (None, error)
            if not loop.is_closed():
                loop.call_soon_threadsafe(settle, answer, *outcome)

        self.jobs.put(job)
        return answer

    def then(self, function: Callable, afterwards: Callable[[], None]) -> None:
        """function() in this thread after what it was given, as call() runs it, not waited
        for: an exception is logged; afterwards() runs in this thread either way."""
        run = as_sync_to_async_would(asyncio.get_running_loop(), function, ())

        def job() -> None:
            try:
                run()
            except Exception:
                logger.exception("Exception in %r after the answer was sent", function)
            finally:
                afterwards()

        self.jobs.put(job)

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


def as_sync_to_async_would(
    loop: asyncio.AbstractEventLoop, function: Callable, args: tuple
) -> Callable[[], object]:
    """function(*args), to run in a request thread as sync_to_async runs it: in a copy of the
    caller's context (taken now, on the loop), with the loop known to async_to_sync."""
    context = contextvars.copy_context()
    return lambda: context.run(run_for, loop, function, args)


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
    def __init__(
        self,
        keep_idle: int,
        after_request: Callable[[], None] = lambda: None,
        after_drain: Callable[[], None] = lambda: None,
        has_room: Callable[[], bool] = lambda: False,
    ) -> None:
        """after_request runs in a request's thread after its request, however it ended (to
        give back what it borrowed); after_drain once the threads are done, at exit; while
        has_room(), a request gets a thread that yields to the event loop."""
        self.keep_idle = keep_idle
        self.after_request = after_request
        self.after_drain = after_drain
        self.has_room = has_room
        # Deques: a thread gives itself back from its own thread (append and pop are atomic).
        self.idle: deque[RequestThread] = deque()  # at the loop's priority
        self.idle_yielding: deque[RequestThread] = deque()
        self.closing: set[RequestThread] = set()  # a request's close queued or running
        atexit.register(self.drain)
        # Said once here, in the context the server's request tasks inherit: no AsyncToSync
        # executor is current. Unset, each request's ThreadSensitiveContext would find out by
        # a failed lookup, an exception with a repr: a tenth of a request's CPU.
        AsyncToSync.executors.current = None

    def take(self) -> RequestThread:
        yielding = self.has_room()
        try:
            return self.pool(yielding).pop()
        except IndexError:
            return RequestThread(yielding)

    def pool(self, yielding: bool) -> deque[RequestThread]:
        return self.idle_yielding if yielding else self.idle

    def finish(self, thread: RequestThread, close: Callable[[], None] | None) -> None:
        """close() (a response's close; None when there is no response: cancelled, or the chain
        raised) in the request's thread, after what it runs now; the thread is given back
        after it."""
        self.closing.add(thread)

        def end_request() -> None:
            try:
                if close is not None:
                    close()
            finally:
                self.after_request()

        thread.then(end_request, afterwards=lambda: self.closed(thread))

    def closed(self, thread: RequestThread) -> None:
        self.closing.discard(thread)
        # From two threads at once the idle count may pass keep_idle by one: harmless.
        if len(self.idle) + len(self.idle_yielding) < self.keep_idle:
            self.pool(thread.yielding).append(thread)
        else:
            thread.shutdown(wait=False)

    def drain(self) -> None:
        """Let the closes still queued finish and every thread retire, within DRAIN_SECONDS in
        all (at exit), then after_drain."""
        deadline = time.monotonic() + DRAIN_SECONDS
        threads = [*self.closing, *self.idle, *self.idle_yielding]
        for thread in threads:
            thread.shutdown(wait=False)
        for thread in threads:
            thread.worker.join(max(0.0, deadline - time.monotonic()))
        self.after_drain()
