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
import time
import weakref
from typing import TextIO

# Seconds of the request log at a thousand requests a second, a few MB at most.
QUEUED_RECORDS = 10_000
# The writer wakes at most this often, and writes what came meanwhile in one write: handing the
# GIL to a writer thread for each record took the event loop's p99 from 4 ms to 14 ms at 16,000
# requests a second.
BATCH_SECONDS = 0.02
STOP = object()  # queued by stop_writing(): the writer ends after what came before it


class BackgroundStreamHandler(logging.handlers.QueueHandler):
    """A StreamHandler whose writes happen in a thread of its own (see the module's doc). The
    thread starts with the first record and stops on close(); a record after close() starts it
    again, because logging's dictConfig closes every handler, those it keeps in use included."""

    def __init__(self, stream: TextIO | None = None, capacity: int = QUEUED_RECORDS) -> None:
        super().__init__(queue.Queue(capacity))
        # Records arrive formatted by this handler's formatter (QueueHandler.prepare).
        self.writer = logging.StreamHandler(stream)
        self.thread: threading.Thread | None = None
        self.starting = threading.Lock()
        handlers.add(self)

    def enqueue(self, record: logging.LogRecord) -> None:
        if exiting.is_set():
            self.write([record])
            return
        if self.thread is None:
            self.start_writing()
        self.queue.put(record)  # full: wait for the writer rather than drop a record

    def start_writing(self) -> None:
        with self.starting:
            if self.thread is None:
                self.thread = threading.Thread(target=self.write_batches, name="log", daemon=True)
                self.thread.start()

    def stop_writing(self) -> None:
        """Write what is queued, then stop the thread."""
        with self.starting:
            thread, self.thread = self.thread, None
            if thread is not None:
                self.queue.put(STOP)
                thread.join()
            # Records queued behind the stop, by a caller that saw the thread still running.
            self.write_and_count(taken(self.queue))

    def write_batches(self) -> None:
        while True:
            batch = [self.queue.get()]
            time.sleep(BATCH_SECONDS)
            batch += taken(self.queue)
            self.write_and_count(batch)
            if any(r is STOP for r in batch):
                return

    def write_and_count(self, batch: list) -> None:
        self.write([r for r in batch if r is not STOP])
        for _ in batch:  # flush() waits for the count
            self.queue.task_done()

    def write(self, records: list[logging.LogRecord]) -> None:
        if not records:
            return
        writer = self.writer
        text = "".join(writer.format(r) + writer.terminator for r in records)
        with writer.lock:  # in the exit, whoever logs writes, maybe several threads at once
            try:
                writer.stream.write(text)
                writer.stream.flush()
            except Exception:
                writer.handleError(records[0])

    def start_afresh(self) -> None:
        """In a forked child: the parent's thread is not here, and its queue and lock may be
        mid-use by it (the parent writes what it queued)."""
        self.queue = queue.Queue(self.queue.maxsize)
        self.thread = None
        self.starting = threading.Lock()

    def flush(self) -> None:
        """Wait until every queued record is written."""
        if self.thread is not None:
            self.queue.join()
        self.writer.flush()

    def close(self) -> None:
        self.stop_writing()
        self.writer.close()
        super().close()


def taken(records: queue.Queue) -> list:
    """What the queue holds now, taken out of it."""
    batch = []
    while True:
        try:
            batch.append(records.get_nowait())
        except queue.Empty:
            return batch


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
