"""Instructions a request costs in one worker, counted by callgrind: the same for the same image
and request whatever else the machine runs, where wall-clock figures on a shared machine move
by a tenth from run to run and hide a runtime change of a few percent.

Ours (uvicorn's protocol and our handler, real loop and request threads) and Django's WSGI
handler called directly (a WSGI server's Python side; a server's own code in another language
is not counted) answer each path in the bench image, SQLite beside them, with the host's
valgrind; a request's count is the difference between runs of two lengths over the requests
between them. Kernel time (system calls, context switches) is not counted."""

import re
from pathlib import Path

from docker.errors import ContainerError

from lifecycle.errors import LifecycleError
from lifecycle.harness.stack import PUBLIC_HOST
from lifecycle.steps.bench_image import build_bench_image
from lifecycle.steps.images import stack_images
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain

# Debian's valgrind: /usr/bin/valgrind is a script around this binary and its tools' folder.
VALGRIND = Path("/usr/bin/valgrind.bin")
VALGRIND_TOOLS = Path("/usr/libexec/valgrind")
DRIVER = "count_requests.py"  # docker/bench/, mounted into the bench image
SERVERS = ("ours", "wsgi")
PATHS = {"DB page": "/", "sync view that only answers": "/demo/sleep?ms=0"}
REQUEST_COUNTS = (200, 600)
COLLECTED = re.compile(r"Collected : ([\d,]+)")


def collected(output: str) -> int:
    """The instructions callgrind's summary says it counted."""
    match = COLLECTED.search(output)
    if match is None:
        tail = output.strip().splitlines()[-1:] or ["no output"]
        raise LifecycleError(f"callgrind counted nothing: {tail[0]}")
    return int(match.group(1).replace(",", ""))


def per_request(counts: dict[int, int]) -> int:
    """Instructions per request from the totals of runs of different lengths."""
    (fewer, low), (more, high) = sorted(counts.items())
    return round((high - low) / (more - fewer))


def check_valgrind() -> None:
    if not (VALGRIND.exists() and VALGRIND_TOOLS.is_dir()):
        raise LifecycleError("valgrind is not installed: apt-get install valgrind")


def count_once(tools: Toolchain, image: str, server: str, path: str, requests: int) -> int:
    """One run's total: migrations on a fresh SQLite file, then the driver under callgrind."""
    driver = tools.settings.project_dir / "docker" / "bench" / DRIVER
    valgrind = (
        f"{VALGRIND} --tool=callgrind --callgrind-out-file=/dev/null "
        f"python /bench/{DRIVER} {server} '{path}' {requests}"
    )
    try:
        output = tools.docker.containers.run(
            image,
            entrypoint=["sh", "-c", f"python manage.py migrate -v0 && {valgrind}"],
            environment={
                **tools.settings.app.test_environment,
                "DJANGO_SECRET_KEY": "instruction-count",
                "DJANGO_ALLOWED_HOSTS": PUBLIC_HOST,
                "SQLITE_PATH": "/tmp/db.sqlite3",
                "PYTHONHASHSEED": "0",  # the same dictionaries' layout in every run
            },
            volumes={
                str(VALGRIND): {"bind": str(VALGRIND), "mode": "ro"},
                str(VALGRIND_TOOLS): {"bind": str(VALGRIND_TOOLS), "mode": "ro"},
                str(driver): {"bind": f"/bench/{DRIVER}", "mode": "ro"},
            },
            remove=True,
            stdout=True,
            stderr=True,
        )
    except ContainerError as error:
        said = (error.stderr or b"").decode(errors="replace").strip().splitlines()[-1:]
        raise LifecycleError(f"{server} on {path} failed: {said[0] if said else error}") from None
    return collected(output.decode(errors="replace"))


def run_instruction_count(tools: Toolchain, out_dir: Path, app_image: str | None = None) -> None:
    check_valgrind()
    bench_image = build_bench_image(tools, app_image or stack_images(tools).app)
    rows = []
    for name, path in PATHS.items():
        counts = {}
        for server in SERVERS:
            totals = {n: count_once(tools, bench_image, server, path, n) for n in REQUEST_COUNTS}
            counts[server] = per_request(totals)
            line = f"  {name:<28} {server:<5} {counts[server]:>11,} instructions/request"
            print(line, flush=True)
        ratio = f"{counts['ours'] / counts['wsgi']:.3f}"
        rows.append((name, path, f"{counts['ours']:,}", f"{counts['wsgi']:,}", ratio))
    headers = ("request", "path", "ours", "Django's WSGI handler", "ours / WSGI")
    report = f"{bench_image}: instructions per request\n\n{render_table(headers, rows)}"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "instructions.txt").write_text(report + "\n")
    print(report)
