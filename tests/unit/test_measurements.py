"""The harness's figures are measured or refused, never made up: a probe that reads nothing
fails instead of reporting 0 and letting every bound pass."""

import pytest

from lifecycle.errors import LifecycleError
from lifecycle.harness.cpu import CoreTicks, core_ticks, cores_busy_during, cpu_seconds, share_busy
from lifecycle.harness.http_load import parse_h2load
from lifecycle.harness.memory import anonymous_memory_bytes
from lifecycle.harness.profile import summarise
from lifecycle.harness.wrk import parse_wrk

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


class CpuCounter:
    """A container as the Docker SDK shows it, its CPU counter (ns) read off in turn."""

    name = "app"

    def __init__(self, *readings_ns: int) -> None:
        self.readings = list(readings_ns)

    def stats(self, stream: bool) -> dict:
        if not self.readings:
            return {"cpu_stats": {}}
        return {"cpu_stats": {"cpu_usage": {"total_usage": self.readings.pop(0)}}}


def test_cores_busy_are_cpu_seconds_per_wall_second(monkeypatch):
    clock = iter([100.0, 102.0])  # the action takes 2 s of wall time
    monkeypatch.setattr("lifecycle.harness.cpu.time.monotonic", lambda: next(clock))
    result, cores = cores_busy_during(CpuCounter(1_000_000_000, 4_000_000_000), lambda: "done")
    assert (result, cores) == ("done", pytest.approx(1.5))


def test_cpu_stats_without_usage_are_refused():
    with pytest.raises(LifecycleError, match="reports no CPU usage for app"):
        cpu_seconds(CpuCounter())


PROC_STAT = """cpu  300 0 100 900 10 0 5 0 0 0
cpu0 100 0 50 600 10 0 0 0 0 0
cpu1 200 0 50 300 0 0 5 2 40 0
intr 12345
"""


def test_a_cores_busy_ticks_leave_out_idle_and_iowait_and_count_guest_time_once():
    # cpu1: user 200 (its guest 40 inside), system 50, softirq 5, steal 2; idle 300
    assert core_ticks("1", PROC_STAT) == CoreTicks(busy=257, total=557)
    assert core_ticks("0", PROC_STAT) == CoreTicks(busy=150, total=760)


def test_a_cores_busy_share_is_its_busy_ticks_over_all_between_two_readings():
    assert share_busy(CoreTicks(100, 1000), CoreTicks(190, 1100)) == pytest.approx(0.9)


def test_a_core_the_machine_lacks_or_a_reading_with_no_time_between_is_refused():
    with pytest.raises(LifecycleError, match="lists no core 7"):
        core_ticks("7", PROC_STAT)
    with pytest.raises(LifecycleError, match="no clock tick passed"):
        share_busy(CoreTicks(100, 1000), CoreTicks(100, 1000))


WRK_OUTPUT = """Running 5s test @ http://172.18.0.3:8000/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    1.00ms  20.00ms   90.00%
    Req/Sec     7.80k   300.00     8.20k    70.00%
  Latency Distribution
     50%    1.95ms
     75%    2.40ms
     90%    3.10ms
     99%    1.20s
  39000 requests in 5.00s, 6.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   7800.50
Transfer/sec:      1.20MB
"""


def test_wrk_figures_and_every_kind_of_error_are_read():
    load = parse_wrk(WRK_OUTPUT)
    assert load.requests == 39000
    assert load.requests_per_second == 7800.5
    assert (load.p50_ms, load.p99_ms) == pytest.approx((1.95, 1200.0))
    assert load.errors == 2 + 1 + 4


def test_wrk_output_without_percentiles_is_refused():
    with pytest.raises(LifecycleError, match="wrk printed no full summary"):
        parse_wrk(WRK_OUTPUT.replace("     50%    1.95ms\n", ""))


PY_SPY_RAW = (
    "run (uvicorn/server.py:60);handle (/app/django_runtime/handler.py:80);"
    "send (/opt/venv/lib/python3.11/site-packages/uvicorn/protocols/http/httptools_impl.py:9) 3\n"
    "run (uvicorn/server.py:60);handle (/app/django_runtime/handler.py:80) 1\n"
)


def test_profile_sums_samples_per_function_own_and_inclusive():
    profile = summarise(PY_SPY_RAW)
    assert profile.samples == 4
    handle = "django_runtime/handler.py:handle"
    assert profile.own[handle] == 1
    assert profile.inclusive[handle] == 4
    assert profile.top(profile.own, 1) == [("uvicorn/protocols/http/httptools_impl.py:send", 75.0)]


def test_a_profile_without_samples_is_refused():
    with pytest.raises(LifecycleError, match="py-spy recorded no samples"):
        summarise("Error: failed to open process 1: permission denied\n")
