"""How a worker's threads share its core: they take turns holding one GIL.

A request crosses threads twice (the event loop hands it to its request thread, which hands the
answer back), and each crossing wakes a thread while the waker still holds the GIL. Linux lets
a woken thread preempt its waker on the same core, only to block on the GIL at once: two context
switches per crossing, a fifth of a simple request's CPU. Under SCHED_BATCH (an ordinary
time-shared policy, nice unchanged, no privilege) a woken thread waits for the core instead,
and finds the GIL free when it gets it. Wakeups of the worker's threads then also wait their turn
behind other processes on the core (at most a scheduler slice, milliseconds, and only when that
core is busy); CPU_BATCH_SCHEDULING=0 keeps Linux's default.
"""

import os
import sys

from django_runtime.env import env_bool

# A request thread whose wait is over takes the GIL back from the event loop within 1 ms,
# not Python's default 5 ms: the wait it adds to every sync request.
GIL_SWITCH_SECONDS = 0.001


def share_core() -> None:
    """For the calling thread and the threads it starts from now on (they inherit it)."""
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    if not env_bool("CPU_BATCH_SCHEDULING", True):
        return
    try:
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except OSError as error:  # a sandbox that forbids the call: Linux's default, said once
        print(f"CPU_BATCH_SCHEDULING: {error.strerror}; default scheduling", file=sys.stderr)
