"""The harness's figures are measured or refused, never made up: a probe that reads nothing
fails instead of reporting 0 and letting every bound pass."""

import pytest

from lifecycle.errors import LifecycleError
from lifecycle.harness.http_load import parse_h2load
from lifecycle.harness.memory import anonymous_memory_bytes

H2LOAD_SUMMARY = """
finished in 1.02s, 9.80 req/s, 1.21KB/s
requests: 10 total, 10 started, 10 done, 10 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 10 2xx, 0 3xx, 0 4xx, 0 5xx
"""
LATENCY_LINE = "time for request:   250.12ms    260.40ms    255.03ms      3.01ms    70.00%\n"


class EngineStats:
    """A container as the Docker SDK shows it, reporting the given memory stats."""

    name = "app"

    def __init__(self, stats: dict) -> None:
        self._stats = stats

    def stats(self, stream: bool) -> dict:
        return {"memory_stats": {"stats": self._stats}}


def test_h2load_latency_is_parsed_in_seconds():
    burst = parse_h2load(H2LOAD_SUMMARY + LATENCY_LINE, requests=10, concurrency=10)
    assert (burst.latency_min, burst.latency_max) == pytest.approx((0.25012, 0.2604))
    assert burst.latency_mean == pytest.approx(0.25503)
    assert burst.ok_2xx == 10


def test_h2load_output_without_latency_is_refused():
    with pytest.raises(LifecycleError, match="h2load printed no full summary"):
        parse_h2load(H2LOAD_SUMMARY, requests=10, concurrency=10)


@pytest.mark.parametrize(
    ("stats", "expected"),
    [({"anon": 5_000_000, "file": 9}, 5_000_000), ({"total_rss": 7, "rss": 6}, 7)],
)
def test_anonymous_memory_on_cgroup_v2_and_v1(stats, expected):
    assert anonymous_memory_bytes(EngineStats(stats)) == expected


def test_memory_stats_without_anonymous_memory_are_refused():
    with pytest.raises(LifecycleError, match="reports no anonymous memory for app"):
        anonymous_memory_bytes(EngineStats({"file": 123, "active_file": 4}))
