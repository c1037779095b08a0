"""Threads lent to requests for their thread-sensitive code, kept for the next request.

Django's ASGI handler gives each request a thread of its own for its sync code (asgiref's
ThreadSensitiveContext), made for the request and joined after it: under load, starting and
joining threads costs more CPU than the middleware they run. Here a request borrows an idle
thread (one is made when none is idle) and gives it back: still one thread per request for
the request's whole life, as Django requires, through asgiref's public ThreadSensitiveContext
with an executor the caller owns.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from asgiref.sync import AsyncToSync, ThreadSensitiveContext


class RequestThreads:
    def __init__(self, keep_idle: int) -> None:
        self.keep_idle = keep_idle
        self.idle: list[ThreadPoolExecutor] = []
        # Said once here, in the context the server's request tasks inherit: no AsyncToSync
        # executor is current. Unset, each request's ThreadSensitiveContext would find out by
        # a failed lookup, an exception with a repr: a tenth of a request's CPU.
        AsyncToSync.executors.current = None

    def lent(self) -> "Lent":
        """Run the block's thread-sensitive calls (sync_to_async's default) in one thread."""
        return Lent(self, self.take())

    @contextmanager
    def borrowed(self) -> Iterator[ThreadPoolExecutor]:
        """A thread for the block to run its sync code in, given back after it."""
        thread = self.take()
        try:
            yield thread
        finally:
            self.give_back(thread)

    def take(self) -> ThreadPoolExecutor:
        return self.idle.pop() if self.idle else ThreadPoolExecutor(1, "request")

    def give_back(self, thread: ThreadPoolExecutor) -> None:
        if len(self.idle) < self.keep_idle:
            self.idle.append(thread)
        else:
            thread.shutdown(wait=False)


class Lent(ThreadSensitiveContext):
    """asgiref's context for thread-sensitive calls, with a lent thread given back on exit."""

    def __init__(self, threads: RequestThreads, thread: ThreadPoolExecutor) -> None:
        super().__init__(executor=thread)
        self.threads = threads
        self.thread = thread

    async def __aexit__(self, exc, value, tb) -> None:
        try:
            await super().__aexit__(exc, value, tb)
        finally:
            self.threads.give_back(self.thread)
