"""A worker's threads share its core without preempting each other on wakeup."""

import errno
import os
import sys
import threading

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

    thread = threading.Thread(target=caller)  # the policy is per thread: not pytest's own
    thread.start()
    thread.join()
    return seen[0], seen[1]


def test_the_gil_switch_interval_stays_pythons():
    interval = sys.getswitchinterval()
    try:
        policies_after_share_core()
        assert sys.getswitchinterval() == interval
    finally:
        sys.setswitchinterval(interval)


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


class Clocks:
    """Wall and CPU time as a test sets them."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def monotonic(self) -> float:
        return self.wall

    def process_time(self) -> float:
        return self.cpu


def test_a_worker_has_room_until_it_uses_most_of_a_core(monkeypatch):
    clocks = Clocks()
    monkeypatch.setattr(core_sharing, "time", clocks)
    load = core_sharing.CoreLoad(sample_seconds=0.1)
    seen = []
    for cpu in (0.03, 0.06, 0.09):  # a share of the last 0.1 s of wall time
        clocks.wall += 0.1
        clocks.cpu += cpu
        seen.append(load.has_room())
    clocks.wall += 0.05  # within the sample: the last reading holds
    clocks.cpu += 0.0
    seen.append(load.has_room())
    assert seen == [True, True, False, False]
