"""A container's process memory (anonymous, not page cache), sampled while something runs."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from lifecycle.errors import LifecycleError

T = TypeVar("T")
# What the processes hold, without the file cache: anon on cgroup v2, RSS on v1.
ANONYMOUS_MEMORY_KEYS = ("anon", "total_rss", "rss")


def anonymous_memory_bytes(container) -> int:
    stats = container.stats(stream=False).get("memory_stats", {}).get("stats", {})
    for key in ANONYMOUS_MEMORY_KEYS:
        if key in stats:
            return int(stats[key])
    # A made-up 0 here would let any memory test pass; no figure is no measurement.
    raise LifecycleError(
        f"the engine reports no anonymous memory for {container.name} "
        f"(none of {', '.join(ANONYMOUS_MEMORY_KEYS)} in {sorted(stats)})"
    )


@dataclass(frozen=True)
class MemoryGrowth:
    idle_bytes: int
    peak_bytes: int

    @property
    def grew_mb(self) -> float:
        return (self.peak_bytes - self.idle_bytes) / 1e6


def peak_memory_during(container, action: Callable[[], T]) -> tuple[T, MemoryGrowth]:
    """Run action while sampling the container's memory; return its result and the growth."""
    idle = anonymous_memory_bytes(container)
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, anonymous_memory_bytes(container))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = action()
    finally:
        done.set()
        sampler.join()
    return result, MemoryGrowth(idle, peak)
