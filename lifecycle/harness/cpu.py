"""How many cores a container's processes kept busy while something ran."""

import time
from collections.abc import Callable
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
