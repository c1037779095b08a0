"""A worker's threads share its core without preempting each other on wakeup."""

import errno
import os
import sys
import threading
import time

from django_runtime import core_sharing


def policies_after_share_core() -> tuple[int, int]:
    """The policy of a thread that called share_core(), and of a thread it started after."""
    seen: list[int] = []

    def started_after() -> None:
        seen.append(os.sched_getscheduler(0))

    def caller() -> None:
        core_sharing.share_core()
        seen.append(os.sched_getscheduler(0))
        child = threading.Thread(target=started_after)
        child.start()
        child.join()

    interval = sys.getswitchinterval()
    try:
        thread = threading.Thread(target=caller)  # the policy is per thread: not pytest's own
        thread.start()
        thread.join()
    finally:
        sys.setswitchinterval(interval)
    return seen[0], seen[1]


def test_the_caller_and_the_threads_it_starts_are_batch_scheduled(monkeypatch):
    monkeypatch.delenv("CPU_BATCH_SCHEDULING", raising=False)
    assert policies_after_share_core() == (os.SCHED_BATCH, os.SCHED_BATCH)


def test_batch_scheduling_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("CPU_BATCH_SCHEDULING", "0")
    assert policies_after_share_core() == (os.SCHED_OTHER, os.SCHED_OTHER)


def test_a_sandbox_that_refuses_it_leaves_one_line_and_the_default(monkeypatch, capsys):
    def refuse(*args) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.delenv("CPU_BATCH_SCHEDULING", raising=False)
    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    assert policies_after_share_core() == (os.SCHED_OTHER, os.SCHED_OTHER)
    assert capsys.readouterr().err == (
        "CPU_BATCH_SCHEDULING: Operation not permitted; default scheduling\n"
    )


def test_a_worker_has_room_until_it_uses_most_of_a_core():
    load = core_sharing.CoreLoad(sample_seconds=0.1)
    time.sleep(0.15)
    idle = load.has_room()
    deadline = time.monotonic() + 0.15
    while time.monotonic() < deadline:  # the whole core, in this thread
        pass
    assert (idle, load.has_room()) == (True, False)
