"""The uvicorn worker count follows WEB_CONCURRENCY, else the container's CPU quota."""

from pathlib import Path

import pytest

from django_runtime.workers import cgroup_cpu_limit, default_worker_count, worker_count


def cgroup_v2(root: Path, cpu_max: str) -> Path:
    (root / "cpu.max").write_text(cpu_max + "\n")
    return root


def cgroup_v1(root: Path, quota: int, period: int = 100_000) -> Path:
    cpu = root / "cpu"
    cpu.mkdir()
    (cpu / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (cpu / "cpu.cfs_period_us").write_text(f"{period}\n")
    return root


def test_cgroup_v2_quota_is_read_in_cores(tmp_path):
    assert cgroup_cpu_limit(cgroup_v2(tmp_path, "150000 100000")) == 1.5


def test_cgroup_v2_without_quota_is_unlimited(tmp_path):
    assert cgroup_cpu_limit(cgroup_v2(tmp_path, "max 100000")) is None


def test_cgroup_v1_quota_is_read_in_cores(tmp_path):
    assert cgroup_cpu_limit(cgroup_v1(tmp_path, 50_000)) == 0.5


def test_cgroup_v1_without_quota_is_unlimited(tmp_path):
    assert cgroup_cpu_limit(cgroup_v1(tmp_path, -1)) is None


def test_no_cgroup_files_means_unlimited(tmp_path):
    assert cgroup_cpu_limit(tmp_path) is None


@pytest.mark.parametrize(
    ("cpu_max", "usable", "expected"),
    [
        ("max 100000", 64, 64),
        ("100000 100000", 64, 1),
        ("150000 100000", 64, 2),
        ("50000 100000", 64, 1),
        ("800000 100000", 2, 2),
    ],
)
def test_default_worker_count_is_the_quota_rounded_up_within_usable_cpus(
    tmp_path, cpu_max, usable, expected
):
    assert default_worker_count(cgroup_v2(tmp_path, cpu_max), usable_cpus=usable) == expected


def test_web_concurrency_overrides_the_quota(tmp_path):
    assert worker_count({"WEB_CONCURRENCY": "5"}, cgroup_v2(tmp_path, "100000 100000")) == 5


def test_empty_web_concurrency_falls_back_to_the_quota(tmp_path):
    root = cgroup_v2(tmp_path, "100000 100000")
    assert worker_count({"WEB_CONCURRENCY": ""}, root) == 1


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5"])
def test_bad_web_concurrency_is_rejected(tmp_path, bad):
    with pytest.raises(ValueError, match=r"must be a positive whole number"):
        worker_count({"WEB_CONCURRENCY": bad}, tmp_path)
