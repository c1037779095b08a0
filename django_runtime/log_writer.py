"""Log records written to a stream by a thread of their own, so a stalled log reader never stalls
the event loop.

A container's stdout is a pipe to the runtime's log reader (containerd's shim, then the node's
log files). When that reader falls behind (a busy node, a slow disk), the pipe fills within a
second at a thousand requests a second, and a StreamHandler's write then blocks whoever logged:
for an async view that is the event loop, and every request in flight waits with it. Here the
caller only formats its record and queues the line; a writer thread does the writes, a batch at a
time. The writer holds the GIL only to take the batch and join it (no record, lock or format per
line in that thread): while it holds it the event loop waits, and with that work per line, every
20 ms batch at 15,000 requests a second, a static file's p99 was 5 to 17 ms; without, 2 ms.

The queue is bounded: a reader that never comes back costs bounded memory, and once the queue is
full the caller waits, as it did before, rather than a record being dropped. What is queued is
written before the process exits; records logged later in the exit are written directly.
"""

import atexit
import logging
import os
import threading
import time
import weakref
from collections import deque
from typing import TextIO

# Seconds of the request log at a thousand requests a second, a few MB at most.
QUEUED_RECORDS = 10_000
# The writer wakes at most this often, and writes what came meanwhile in one write: handing the
# GIL to a writer thread for each record took the event loop's p99 from 4 ms to 14 ms at 16,000
# requests a second.
BATCH_SECONDS = 0.02
STOP = object()  # queued by stop_writing(): the writer ends after what came before it


class BackgroundStreamHandler(logging.Handler):
    """A StreamHandler whose writes happen in a thread of its own (see the module's doc). The
    thread starts with the first record and stops on close(); a record after close() starts it
    again, because logging's dictConfig closes every handler, those it keeps in use included."""

    def __init__(self, stream: TextIO | None = None, capacity: int = QUEUED_RECORDS) -> None:
        super().__init__()
        self.capacity = capacity
        self.writer = logging.StreamHandler(stream)  # its stream, lock and error handling
        self.start_afresh()
        handlers.add(self)

    def start_afresh(self) -> None:
        """A new queue and no writer (also in a forked child: the parent's thread is not here,
        and its queue and locks may be mid-use by it; the parent writes what it queued)."""
        # Lines, flush markers (Events) and STOP; append and popleft are atomic.
        self.lines: deque = deque()
        self.pending = threading.Event()  # set when something was queued since the last batch
        self.drained = threading.Condition()  # a caller waiting for room
        self.thread: threading.Thread | None = None
        self.starting = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)  # here: a record's arguments may change after the call
        except Exception:
            self.handleError(record)
            return
        self.enqueue(line)

    def enqueue(self, item) -> None:
        if exiting.is_set():
            self.write_items([item])
            return
        if self.thread is None:
            self.start_writing()
        if len(self.lines) >= self.capacity:  # wait for the writer rather than drop a line
            with self.drained:
                while len(self.lines) >= self.capacity and self.thread is not None:
                    self.drained.wait(0.1)
        self.lines.append(item)
        # After the append: a writer that cleared the flag before this check is woken again,
        # and one that clears it after takes this line in its batch.
        if not self.pending.is_set():
            self.pending.set()

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
                self.lines.append(STOP)
                self.pending.set()
                thread.join()
            # Lines queued behind the stop, by a caller that saw the thread still running.
            self.write_items(taken(self.lines))

    def write_batches(self) -> None:
        while True:
            self.pending.wait()
            self.pending.clear()
            time.sleep(BATCH_SECONDS)
            batch = taken(self.lines)
            with self.drained:
                self.drained.notify_all()
            self.write_items(batch)
            if any(item is STOP for item in batch):
                return

    def write_items(self, items: list) -> None:
        """Write the lines among items, then release the flushes waiting for them."""
        self.write([item for item in items if isinstance(item, str)])
        for item in items:
            if isinstance(item, threading.Event):
                item.set()

    def write(self, lines: list[str]) -> None:
        if not lines:
            return
        writer = self.writer
        text = writer.terminator.join(lines) + writer.terminator
        with writer.lock:  # in the exit, whoever logs writes, maybe several threads at once
            try:
                writer.stream.write(text)
                writer.stream.flush()
            except Exception:
                writer.handleError(logging.makeLogRecord({"msg": lines[0]}))

    def flush(self) -> None:
        """Wait until every queued line is written."""
        thread = self.thread
        if thread is not None and thread.is_alive():
            written = threading.Event()
            self.enqueue(written)
            written.wait()
        self.writer.flush()

    def close(self) -> None:
        self.stop_writing()
        self.writer.close()
        super().close()


def taken(items: deque) -> list:
    """What the queue holds now, taken out of it."""
    return [items.popleft() for _ in range(len(items))]


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
