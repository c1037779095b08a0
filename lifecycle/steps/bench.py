"""Concurrency benchmark of the built image, 1 worker against the default W workers (one per
CPU the container may use): prints a table and writes latency.png (mean latency against
concurrency) to the output folder.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from lifecycle.errors import LifecycleError
from lifecycle.harness.http_load import Burst, burst
from lifecycle.harness.memory import MemoryGrowth, peak_memory_during
from lifecycle.harness.stack import (
    BIG_FILE_PATH,
    INGRESS_HEADERS,
    app_server,
    migrated_database,
    static_root,
    use_ryuk_only_if_available,
    worker_pids,
    write_big_static_dir,
)
from lifecycle.steps.images import stack_images
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain

ENDPOINTS = {
    "sync I/O wait 250 ms": ("/demo/sleep?ms=250", (1, 8, 32, 64, 128)),
    "async wait 250 ms": ("/demo/async-sleep?ms=250", (1, 8, 64, 256, 500)),
    "database SLEEP 250 ms": ("/demo/db-sleep?ms=250", (1, 8, 16, 32)),
    "CPU-bound": ("/demo/cpu?rounds=100000", (1, 2, 4, 8)),
}
# New connections per request, so they spread over the workers (see the integration tests).
HEADERS = {**INGRESS_HEADERS, "Connection": "close"}


@dataclass(frozen=True)
class Point:
    endpoint: str
    workers: str
    result: Burst


def measure(base_url: str, workers: str) -> list[Point]:
    points = []
    for name, (path, levels) in ENDPOINTS.items():
        burst(base_url + path, 2, headers=HEADERS)  # warm up
        for level in levels:
            requests = 40 if name == "CPU-bound" else level
            result = burst(base_url + path, requests, level, headers=HEADERS)
            if result.ok_2xx != requests:
                raise LifecycleError(f"{name} at {level}: only {result.ok_2xx} of {requests} ok")
            points.append(Point(name, workers, result))
            print(f"  {workers:>9} {name:<24} c={level:<4} {result.wall_seconds:.3f}s", flush=True)
    return points


def table(points: list[Point]) -> str:
    rows = []
    for point in points:
        r = point.result
        rows.append(
            (
                point.endpoint,
                point.workers,
                r.concurrency,
                r.requests,
                round(r.wall_seconds, 3),
                round(r.latency_mean * 1000, 1),
                round(r.requests / r.wall_seconds, 1),
            )
        )
    headers = ("endpoint", "workers", "concurrency", "requests", "wall s", "mean ms", "req/s")
    return render_table(headers, rows)


def plot(points: list[Point], out: Path) -> None:
    figure, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
    for axis, name in zip(axes.flat, ENDPOINTS, strict=True):
        for workers in sorted({p.workers for p in points}):
            series = [p.result for p in points if p.endpoint == name and p.workers == workers]
            axis.plot(
                [r.concurrency for r in series],
                [r.latency_mean * 1000 for r in series],
                marker="o",
                label=workers,
            )
        axis.set_title(name)
        axis.set_xlabel("concurrent requests")
        axis.set_ylabel("mean latency (ms)")
        axis.set_xscale("log", base=2)
        axis.grid(True, alpha=0.3)
        axis.legend()
    figure.suptitle("uvicorn + Django: latency against concurrency, 1 worker vs W workers")
    figure.savefig(out, dpi=100)


def download_memory(server) -> MemoryGrowth:
    """Process memory of the app while ten clients download the 50 MB static file at once."""
    url = server.url(BIG_FILE_PATH)
    burst(url, 1, headers=INGRESS_HEADERS)
    result, growth = peak_memory_during(server.docker, lambda: burst(url, 10, headers=HEADERS))
    if result.ok_2xx != 10:
        raise LifecycleError(f"big downloads: only {result.ok_2xx} of 10 ok")
    return growth


def run_bench(tools: Toolchain, out_dir: Path) -> None:
    client, port = tools.docker, tools.settings.app.port
    images = stack_images(tools)
    use_ryuk_only_if_available(client)
    out_dir.mkdir(parents=True, exist_ok=True)
    points: list[Point] = []
    growths: dict[str, MemoryGrowth] = {}
    with (
        tempfile.TemporaryDirectory(prefix="big-static-") as scratch,
        migrated_database(
            client, images.app, images.mysql, tools.settings.app.test_environment
        ) as db,
    ):
        big_static = (
            write_big_static_dir(Path(scratch) / "static"),
            static_root(client, images.app, db.app_env),
        )
        for extra in ({"WEB_CONCURRENCY": "1"}, {}):
            env = {**db.app_env, **extra}
            with app_server(images.app, port, db.network, env, big_static) as server:
                workers = len(worker_pids(server))
                label = f"{workers} worker{'s' if workers > 1 else ''}"
                print(f"measuring {label} ...", flush=True)
                points += measure(server.base_url, label)
                growths[label] = download_memory(server)
    print(table(points))
    for label, growth in growths.items():
        print(
            f"ten concurrent 50 MB static downloads, {label}: idle {growth.idle_bytes / 1e6:.1f} "
            f"MB, peak {growth.peak_bytes / 1e6:.1f} MB, grew {growth.grew_mb:.1f} MB"
        )
    plot(points, out_dir / "latency.png")
    print(f"plot: {out_dir / 'latency.png'}")
