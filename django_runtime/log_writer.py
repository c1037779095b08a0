"""Log records written to a stream by a thread of their own, so a stalled log reader never stalls
the event loop.

A container's stdout is a pipe to the runtime's log reader (containerd's shim, then the node's
log files). When that reader falls behind (a busy node, a slow disk), the pipe fills within a
second at a thousand requests a second, and a StreamHandler's write then blocks whoever logged:
for an async view that is the event loop, and every request in flight waits with it. Here the
caller only formats its record and queues it; a writer thread does the writes.

The queue is bounded: a reader that never comes back costs bounded memory, and once the queue is
full the caller waits, as it did before, rather than a record being dropped. What is queued is
written before the process exits; records logged later in the exit are written directly.
"""

import atexit
import logging
import logging.handlers
import os
import queue
import threading
import weakref
from typing import TextIO

# Seconds of the request log at a thousand requests a second, a few MB at most.
QUEUED_RECORDS = 10_000


class BlockingListener(logging.handlers.QueueListener):
    """QueueListener whose stop waits for room in a full queue instead of raising queue.Full."""

    def enqueue_sentinel(self) -> None:
        self.queue.put(self._sentinel)


class BackgroundStreamHandler(logging.handlers.QueueHandler):
    """A StreamHandler whose writes happen in a thread of its own (see the module's doc). The
    thread starts with the first record and stops on close(); a record after close() starts it
    again, because logging's dictConfig closes every handler, those it keeps in use included."""

    def __init__(self, stream: TextIO | None = None, capacity: int = QUEUED_RECORDS) -> None:
        super().__init__(queue.Queue(capacity))
        self.capacity = capacity
        # Records arrive formatted by this handler's formatter (QueueHandler.prepare).
        self.writer = logging.StreamHandler(stream)
        self.listener: BlockingListener | None = None
        self.starting = threading.Lock()
        handlers.add(self)

    def enqueue(self, record: logging.LogRecord) -> None:
        if exiting.is_set():
            self.writer.handle(record)
            return
        if self.listener is None:
            self.start_writing()
        self.queue.put(record)  # full: wait for the writer rather than drop a record

    def start_writing(self) -> None:
        with self.starting:
            if self.listener is None:
                self.listener = BlockingListener(self.queue, self.writer)
                self.listener.start()

    def stop_writing(self) -> None:
        """Write what is queued, then stop the thread."""
        with self.starting:
            listener, self.listener = self.listener, None
            if listener is not None:
                listener.stop()
            # Records queued behind the stop, by a caller that saw the thread still running.
            while not self.queue.empty():
                self.writer.handle(self.queue.get_nowait())
                self.queue.task_done()

    def start_afresh(self) -> None:
        """In a forked child: the parent's thread is not here, and its queue and lock may be
        mid-use by it (the parent writes what it queued)."""
        self.queue = queue.Queue(self.capacity)
        self.listener = None
        self.starting = threading.Lock()

    def flush(self) -> None:
        """Wait until every queued record is written."""
        if self.listener is not None:
            self.queue.join()
        self.writer.flush()

    def close(self) -> None:
        self.stop_writing()
        self.writer.close()
        super().close()


handlers: "weakref.WeakSet[BackgroundStreamHandler]" = weakref.WeakSet()
exiting = threading.Event()


@atexit.register
def write_the_rest() -> None:
    # dictConfig drops the handlers it replaced from logging's own exit list, so the queued
    # records of every handler are written here.
    exiting.set()
    for handler in list(handlers):
        handler.stop_writing()


def start_afresh_in_child() -> None:
    for handler in list(handlers):
        handler.start_afresh()


os.register_at_fork(after_in_child=start_afresh_in_child)
