"""A container's process memory (anonymous, not page cache), sampled while something runs."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def anonymous_memory_bytes(container) -> int:
    """RSS on cgroup v1, anon on v2: what the processes hold, without the file cache."""
    stats = container.stats(stream=False)["memory_stats"]["stats"]
    return int(stats.get("total_rss", stats.get("rss", stats.get("anon", 0))))


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
