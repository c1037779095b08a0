"""Sustained HTTP load at a fixed number of connections, by wrk pinned to chosen cores, so the
load generator never competes with the server it measures."""

import re
import shutil
from dataclasses import dataclass

from lifecycle.adapters.commands import run
from lifecycle.errors import LifecycleError

UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m),")
RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
NOT_OK = re.compile(r"Non-2xx or 3xx responses: (\d+)")


@dataclass(frozen=True)
class Load:
    """What wrk measured: throughput, latency percentiles and every kind of failure."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def parse_wrk(output: str) -> Load:
    percentiles = {
        p: float(v) * UNIT_SECONDS[unit] * 1000 for p, v, unit in PERCENTILE.findall(output)
    }
    total, rate = TOTAL.search(output), RATE.search(output)
    if not (total and rate and set(percentiles) == {"50", "99"}):
        # No made-up figure: a run without a full summary is no measurement.
        raise LifecycleError(f"wrk printed no full summary: {output.strip()[-300:]}")
    sockets = SOCKET_ERRORS.search(output)
    not_ok = NOT_OK.search(output)
    errors = sum(int(n) for n in sockets.groups()) if sockets else 0
    return Load(
        requests=int(total.group(1)),
        requests_per_second=float(rate.group(1)),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        errors=errors + (int(not_ok.group(1)) if not_ok else 0),
    )


def sustained_load(
    url: str,
    connections: int,
    seconds: float,
    cpus: str,
    headers: dict[str, str] | None = None,
) -> Load:
    """GET url over `connections` kept-alive connections for `seconds`, from one wrk thread
    pinned to `cpus` (a taskset list such as "1")."""
    if shutil.which("wrk") is None:
        raise LifecycleError("wrk is not installed: apt-get install wrk")
    argv = ["taskset", "-c", cpus, "wrk", "--latency", "-t1", f"-c{connections}"]
    argv += [f"-d{seconds}s", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    return parse_wrk(run([*argv, url], stream=False, echo=False))
