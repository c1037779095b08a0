"""How busy the CPU was while something ran: a container's processes, or one core of the host."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lifecycle.errors import LifecycleError

T = TypeVar("T")


def cpu_seconds(container) -> float:
    """The CPU time all the container's processes have used since it started."""
    usage = container.stats(stream=False).get("cpu_stats", {}).get("cpu_usage", {})
    if "total_usage" not in usage:
        # A made-up 0 would fail or pass a bound by accident; no figure is no measurement.
        raise LifecycleError(f"the engine reports no CPU usage for {container.name}")
    return usage["total_usage"] / 1e9


def cores_busy_during(container, action: Callable[[], T]) -> tuple[T, float]:
    """Run action; return its result and the container's CPU seconds per wall second meanwhile.

    The container is meant to be idle outside action: its counter is read before and after."""
    before = cpu_seconds(container)
    start = time.monotonic()
    result = action()
    wall_seconds = time.monotonic() - start
    return result, (cpu_seconds(container) - before) / wall_seconds


@dataclass(frozen=True)
class CoreTicks:
    """One core's clock ticks since boot: busy ones, and all."""

    busy: int
    total: int


def core_ticks(core: str, stat: str | None = None) -> CoreTicks:
    """Core `core`'s ticks from /proc/stat (this machine's, or the text given)."""
    text = Path("/proc/stat").read_text() if stat is None else stat
    for line in text.splitlines():
        name, *fields = line.split()
        if name == f"cpu{core}":
            # user nice system idle iowait irq softirq steal; guest time is counted in user
            ticks = [int(field) for field in fields[:8]]
            return CoreTicks(busy=sum(ticks) - ticks[3] - ticks[4], total=sum(ticks))
    raise LifecycleError(f"/proc/stat lists no core {core}")


def share_busy(before: CoreTicks, after: CoreTicks) -> float:
    """The share of the ticks between two readings that the core was busy."""
    if after.total <= before.total:
        raise LifecycleError("no clock tick passed between the two readings of the core")
    return (after.busy - before.busy) / (after.total - before.total)


def context_switches(container) -> dict[int, int]:
    """The context switches (voluntary and not) of each thread of the container's processes
    so far, by thread ID, read from this host's /proc."""
    listing = container.top()
    column = listing["Titles"].index("PID")  # the host's process IDs
    by_thread = {}
    for process in listing["Processes"]:
        pid = process[column]
        for status in Path(f"/proc/{pid}/task").glob("*/status"):
            try:
                by_thread[int(status.parent.name)] = switches_in(status.read_text())
            except OSError:  # the thread ended while it was read
                continue
    return by_thread


def switches_between(before: dict[int, int], after: dict[int, int]) -> int | None:
    """The context switches made between two readings; None when a thread ended in between:
    what it made after the first reading is gone with it, and a sum without it would be short
    (even below zero)."""
    if not before.keys() <= after.keys():
        return None
    return sum(after.values()) - sum(before.values())


def switches_in(status: str) -> int:
    """The context switches a /proc/…/status text counts."""
    return sum(
        int(line.split()[1])
        for line in status.splitlines()
        if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"))
    )
