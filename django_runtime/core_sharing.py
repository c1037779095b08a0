"""How a worker's threads share its core: they take turns holding one GIL.

A request crosses threads twice (the event loop hands it to its request thread, which hands the
answer back), and each crossing wakes a thread while the waker still holds the GIL. Linux lets
a woken thread preempt its waker on the same core, only to block on the GIL at once: two context
switches per crossing, a fifth of a simple request's CPU. Under SCHED_BATCH (an ordinary
time-shared policy, nice unchanged, no privilege) a woken thread waits for the core instead,
and finds the GIL free when it gets it. Wakeups of the worker's threads then also wait their turn
behind other processes on the core (at most a scheduler slice, milliseconds, and only when that
core is busy); CPU_BATCH_SCHEDULING=0 keeps Linux's default.

Where the worker has room on its core and its requests wait (a slow upstream, a sleep), the
event loop should come first: requests waiting together end together, and with every thread at
one priority the loop, woken with their answers to send, queues behind the threads woken from
their waits (64 sync views waiting 100 ms on one core: 564 to 614 req/s, each answer up to
15 ms late). So while the worker used less than ROOM_BELOW of a core lately, a request gets a
thread that runs at a lower priority than the loop (nice, which Linux sets per thread); under
full load it gets one at the loop's priority, where the loop letting threads go first batches
its work (a loop first there cost the DB page 13% of its throughput).

The GIL's switch interval stays Python's 5 ms: at 1 ms (as this worker once ran) a thread that
wants the GIL takes it from its holder five times as often, and each handoff is a wakeup and a
switch. On the DB page that cost 8 to 16 % of the throughput (CPU 1.17 against 1.05 ms a
request); 1 ms did better only with 256 sync views waiting at once, by 2.5 %.
"""

import os
import sys
import threading
import time
from contextlib import suppress

from django_runtime.env import env_bool

# Below this share of a core used lately, a worker has room: its request threads yield to the loop.
ROOM_BELOW = 0.7
# The nice of a thread that yields to the loop (2 yielded too little, 10 starved the threads).
YIELDING_NICE = 5
LOAD_SAMPLE_SECONDS = 0.05


def share_core() -> None:
    """For the calling thread and the threads it starts from now on (they inherit it)."""
    if not env_bool("CPU_BATCH_SCHEDULING", True):
        return
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except OSError as error:  # a sandbox that forbids the call: Linux's default, said once
        print(f"CPU_BATCH_SCHEDULING: {error.strerror}; default scheduling", file=sys.stderr)


class CoreLoad:
    """The share of a core the worker's threads used lately, read at most every
    LOAD_SAMPLE_SECONDS (a system call each time)."""

    def __init__(self, sample_seconds: float = LOAD_SAMPLE_SECONDS) -> None:
        self.sample_seconds = sample_seconds
        self.at = time.monotonic()
        self.cpu = time.process_time()
        self.share = 0.0

    def has_room(self) -> bool:
        now = time.monotonic()
        if now - self.at >= self.sample_seconds:
            cpu = time.process_time()
            self.share = (cpu - self.cpu) / (now - self.at)
            self.at, self.cpu = now, cpu
        return self.share < ROOM_BELOW


def yield_to_loop() -> None:
    """In a request thread: run at a lower priority than the event loop, for good (raising a
    thread's nice needs no privilege; lowering it back would)."""
    if not sys.platform.startswith("linux"):  # elsewhere the call would name a process
        return
    with suppress(OSError):  # a sandbox that forbids it: the loop's priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), YIELDING_NICE)
