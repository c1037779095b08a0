"""How many uvicorn workers to run: WEB_CONCURRENCY, else the container's CPU quota.

os.cpu_count() reports the host's cores; a container limited to 1 CPU on a 64-core node
would start 64 workers and thrash. The cgroup's CPU quota is what the container may use.
"""

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_cpu_limit(cgroup_root: Path = CGROUP_ROOT) -> float | None:
    """The CPU quota in cores (cgroup v2, then v1), or None when there is none."""
    v2 = cgroup_root / "cpu.max"
    if v2.exists():
        quota, _, period = v2.read_text().strip().partition(" ")
        if quota == "max":
            return None
        return int(quota) / int(period or 100_000)
    for v1_dir in (cgroup_root / "cpu", cgroup_root / "cpu,cpuacct"):
        quota_file = v1_dir / "cpu.cfs_quota_us"
        if quota_file.exists():
            quota = int(quota_file.read_text().strip())
            if quota <= 0:
                return None
            return quota / int((v1_dir / "cpu.cfs_period_us").read_text().strip())
    return None


def default_worker_count(cgroup_root: Path = CGROUP_ROOT, usable_cpus: int | None = None) -> int:
    """One worker per CPU the container may use, rounded up, at least one."""
    if usable_cpus is None:
        usable_cpus = len(os.sched_getaffinity(0))
    limit = cgroup_cpu_limit(cgroup_root)
    if limit is None:
        return max(1, usable_cpus)
    return max(1, min(usable_cpus, math.ceil(limit)))


def worker_count(environ: dict[str, str] | None = None, cgroup_root: Path = CGROUP_ROOT) -> int:
    """WEB_CONCURRENCY when set (a positive whole number), else the CPU-quota default."""
    environ = os.environ if environ is None else environ
    configured = environ.get("WEB_CONCURRENCY", "").strip()
    if not configured:
        return default_worker_count(cgroup_root)
    if not configured.isdigit() or int(configured) < 1:
        raise ValueError(f"WEB_CONCURRENCY={configured!r} must be a positive whole number")
    return int(configured)
