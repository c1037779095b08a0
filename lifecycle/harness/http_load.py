"""Bursts of concurrent HTTP requests, fired by h2load (nghttp2) so the client's own cost,
on the same cores as the server, stays small next to what is measured."""

import re
import shutil
from dataclasses import dataclass

from lifecycle.adapters.commands import CommandFailed, run
from lifecycle.errors import LifecycleError

FINISHED = re.compile(r"finished in ([\d.]+)(ms|s|us),")
REQUESTS = re.compile(
    r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed"
)
STATUS = re.compile(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")
LATENCY = re.compile(
    r"time for request:\s+([\d.]+)(ms|s|us)\s+([\d.]+)(ms|s|us)\s+([\d.]+)(ms|s|us)"
)
UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


@dataclass(frozen=True)
class Burst:
    """What one burst of requests did: wall time, outcomes and per-request latency."""

    requests: int
    concurrency: int
    wall_seconds: float
    succeeded: int
    failed: int
    ok_2xx: int
    server_errors_5xx: int
    latency_min: float
    latency_max: float
    latency_mean: float


def seconds(value: str, unit: str) -> float:
    return float(value) * UNIT_SECONDS[unit]


def parse_h2load(output: str, requests: int, concurrency: int) -> Burst:
    finished, counts = FINISHED.search(output), REQUESTS.search(output)
    status, latency = STATUS.search(output), LATENCY.search(output)
    if not (finished and counts and status and latency):
        # A made-up latency (0 ms) would pass any bound; no figure is no measurement.
        raise LifecycleError(f"h2load printed no full summary: {output.strip()[-300:]}")
    lat = [seconds(latency.group(i), latency.group(i + 1)) for i in (1, 3, 5)]
    return Burst(
        requests=requests,
        concurrency=concurrency,
        wall_seconds=seconds(*finished.groups()),
        succeeded=int(counts.group(2)),
        failed=int(counts.group(3)),
        ok_2xx=int(status.group(1)),
        server_errors_5xx=int(status.group(4)),
        latency_min=lat[0],
        latency_max=lat[1],
        latency_mean=lat[2],
    )


def burst(
    url: str,
    requests: int,
    concurrency: int | None = None,
    headers: dict[str, str] | None = None,
) -> Burst:
    """Send `requests` GETs to url over `concurrency` connections (all at once by default)."""
    if shutil.which("h2load") is None:
        raise LifecycleError("h2load is not installed: apt-get install nghttp2-client")
    concurrency = concurrency or requests
    argv = ["h2load", "--h1", "-n", str(requests), "-c", str(concurrency)]
    for name, value in (headers or {}).items():
        # h2load takes the Host header from the URL unless told the :authority.
        name = ":authority" if name.lower() == "host" else name
        argv += ["-H", f"{name}: {value}"]
    try:
        output = run([*argv, url], stream=False, echo=False)
    except CommandFailed as failure:
        output = failure.output_tail  # h2load exits non-zero when requests fail; parse anyway
    return parse_h2load(output, requests, concurrency)
