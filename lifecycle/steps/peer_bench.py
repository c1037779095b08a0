"""Per-core throughput of the built image against peer servers running the same app: each server
on one core, wrk on another with MySQL, a warm-up, then requests per second, p50, p99 and errors
for each row, with the server's CPU and context switches per request and how busy the load
generator's core was; a table (peers.txt), a plot (peers.png) and, for ours, where the CPU went
(profile-*.txt, py-spy's samples summed per function) under the output folder.
"""

import dataclasses
import re
import statistics
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from lifecycle.adapters.engine import run_once
from lifecycle.errors import LifecycleError
from lifecycle.harness import profile
from lifecycle.harness.cpu import (
    context_switches,
    core_ticks,
    cpu_seconds,
    share_busy,
    switches_between,
)
from lifecycle.harness.stack import (
    INGRESS_HEADERS,
    AppServer,
    app_server,
    empty_database,
    migrated_database,
    network_address,
    use_ryuk_only_if_available,
)
from lifecycle.harness.wrk import Load, sustained_load
from lifecycle.steps.bench_image import build_bench_image
from lifecycle.steps.images import stack_images
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain

SERVER_CPU = "0"
WARM_UP_SECONDS = 3  # of the row's load before each measured one
LOAD_CPU = "1"  # wrk and MySQL share the other core
OURS = "ours"
WSGI_APPLICATION = "django.core.wsgi:get_wsgi_application"
# The hashed name of a CSS file the app collected, as its pages link it.
FIND_HASHED_CSS = """
import django; django.setup()
from django.contrib.staticfiles.storage import staticfiles_storage as storage
names = sorted(name for name in storage.hashed_files if name.endswith('.css'))
print(storage.url(names[0]) if names else '')
"""


@dataclass(frozen=True)
class Row:
    name: str
    path: str  # "{css}" stands for the hashed CSS file
    connections: int
    headers: dict[str, str]
    wait_ms: int = 0  # how long each request's view waits (a sleep standing in for an upstream)
    writes: bool = False  # each request writes a row (and reads them all): empty tables each turn

    @property
    def ceiling(self) -> float | None:
        """The most requests per second a server could answer (one that added no time to the
        wait), where the view waits: each connection's requests come one after another."""
        return self.connections * 1000 / self.wait_ms if self.wait_ms else None


WAIT_MS = 100  # the waiting rows' sleep, a slow upstream's answer
# The kubelet names the pod by its address; wrk's Host is the container's IP, as a probe's is.
ROWS = (
    Row("DB page /", "/", 16, INGRESS_HEADERS, writes=True),
    Row("hashed CSS", "{css}", 16, INGRESS_HEADERS),
    Row("/healthz", "/healthz", 16, {}),
    Row(
        f"sync view waiting {WAIT_MS} ms",
        f"/demo/sleep?ms={WAIT_MS}",
        64,
        INGRESS_HEADERS,
        wait_ms=WAIT_MS,
    ),
    Row(
        f"async view waiting {WAIT_MS} ms",
        f"/demo/async-sleep?ms={WAIT_MS}",
        256,
        INGRESS_HEADERS,
        wait_ms=WAIT_MS,
    ),
)


def row_path(client, app_image: str, app_env: dict[str, str], row: Row) -> str:
    """The row's path; the hashed CSS row's is looked up in the app image, as collected."""
    if "{css}" not in row.path:
        return row.path
    css = run_once(client, app_image, ["python", "-c", FIND_HASHED_CSS], app_env).strip()
    if not css:
        raise LifecycleError("the app collected no CSS file: the hashed CSS row has none")
    return row.path.replace("{css}", css)


def row_load(url: str, row: Row, seconds: float) -> Load:
    """The row's load on url for `seconds`, from the load generator's core."""
    return sustained_load(url, row.connections, seconds, LOAD_CPU, row.headers)


def per_request(amount: float, load: Load) -> float:
    return amount / max(load.requests, 1)


def check_rounds(rounds: int) -> None:
    if rounds < 1:
        raise LifecycleError(f"--rounds must be at least 1, not {rounds}")


def chosen_servers(servers: list[str], only: list[str] | None) -> list[str]:
    """The servers to bench, in the bench's order: all, or those named (each one known)."""
    if not only:
        return servers
    unknown = [name for name in only if name not in servers]
    if unknown:
        known = ", ".join(repr(name) for name in servers)
        raise LifecycleError(f"no bench server {unknown[0]!r}: the servers are {known}")
    return [name for name in servers if name in only]


def each_round(loads: list[Load]) -> tuple[int, ...]:
    """Each round's requests per second, as the tables show them."""
    return tuple(round(load.requests_per_second) for load in loads)


def turn_order(names: list[str], round_number: int) -> list[str]:
    """Who goes when in a round: each round starts one further along, so that no one always
    goes first (on a shared machine, the noise drifts within a round)."""
    start = (round_number - 1) % len(names)
    return names[start:] + names[:start]


def row_named(name: str) -> Row:
    for row in ROWS:
        if row.name == name:
            return row
    names = ", ".join(repr(row.name) for row in ROWS)
    raise LifecycleError(f"no bench row {name!r}: the rows are {names}")


def chosen_rows(only: list[str] | None) -> tuple[Row, ...]:
    """The rows to bench, in the bench's order: all, or those named (each one known)."""
    if not only:
        return ROWS
    named = {row_named(name).name for name in only}
    return tuple(row for row in ROWS if row.name in named)


def schedule(
    servers: list[str], rounds: int, rows: tuple[Row, ...] = ROWS
) -> Iterator[tuple[int, Row, str]]:
    """Each turn as (round, row, server): in each round, row by row, every server in turn
    order, so that the servers a row compares run seconds apart, not minutes."""
    for round_number in range(1, rounds + 1):
        for row in rows:
            for name in turn_order(servers, round_number):
                yield round_number, row, name


def rounds_ahead(mine: tuple[int, ...], theirs: tuple[int, ...]) -> str:
    """In how many rounds mine beat theirs, round by round ("" from a single round: a ratio
    from one lucky round shows here)."""
    if len(mine) < 2:
        return ""
    ahead = sum(a > b for a, b in zip(mine, theirs, strict=True))
    return f"{ahead} of {len(mine)}"


def server_commands(asgi_application: str, port: int) -> dict[str, list[str] | None]:
    """Each server's command in the bench image (None: the image's own); access logs off, as
    ours (the app's request log, the same for all, is its log)."""
    bind = ["--host", "0.0.0.0", "--port", str(port)]
    return {
        OURS: None,
        "uvicorn --workers 4": [
            *["python", "-m", "uvicorn", asgi_application, "--workers", "4", *bind],
            "--no-access-log",
        ],
        "daphne": ["python", "-m", "daphne", "-b", "0.0.0.0", "-p", str(port), asgi_application],
        "gunicorn gthread 1x16": [
            *["python", "-m", "gunicorn", "-k", "gthread", "--workers", "1", "--threads", "16"],
            *["--bind", f"0.0.0.0:{port}", f"{WSGI_APPLICATION}()"],
        ],
        "granian ASGI": [
            *["python", "-m", "granian", "--interface", "asgi", "--workers", "1", *bind],
            asgi_application,
        ],
        "granian WSGI": [
            *["python", "-m", "granian", "--interface", "wsgi", "--workers", "1", *bind],
            *["--factory", WSGI_APPLICATION],
        ],
    }


# Peers that serve through Django's own ASGI handler, which runs each request's sync code in a
# thread made for it: a kept database connection is never reused there, and Django's
# documentation says to turn them off, as these run.
ONE_CONNECTION_A_REQUEST = {"uvicorn --workers 4", "daphne", "granian ASGI"}


def server_environment(name: str, app_env: dict[str, str]) -> dict[str, str]:
    if name in ONE_CONNECTION_A_REQUEST:
        return {**app_env, "DJANGO_CONN_MAX_AGE": "0"}
    return app_env


@dataclass(frozen=True)
class Measured:
    """What one turn of a row measured on one server."""

    load: Load
    # The server container's CPU per request: per-core cost, read even where throughput is
    # bound elsewhere (the DB row: MySQL shares the load generator's core).
    cpu_ms: float
    # Context switches per request, every thread of the server counted; None where a thread
    # ended during the turn (its last switches cannot be read).
    switches: float | None
    # The load generator's core (wrk and MySQL), busy this share of the run: near 1, the row's
    # throughput is bound there, and only the CPU per request compares the servers.
    load_core_busy: float


def measure_turn(container, url: str, row: Row, seconds: int) -> Measured:
    """One turn: the row's warm-up, then its measured load."""
    row_load(url, row, WARM_UP_SECONDS)
    cpu_before, switches_before = cpu_seconds(container), context_switches(container)
    load_core_before = core_ticks(LOAD_CPU)
    load = row_load(url, row, seconds)
    cpu_ms = per_request((cpu_seconds(container) - cpu_before) * 1000, load)
    switched = switches_between(switches_before, context_switches(container))
    load_core_busy = share_busy(load_core_before, core_ticks(LOAD_CPU))
    switches = None if switched is None else per_request(switched, load)
    return Measured(load, cpu_ms, switches, load_core_busy)


def switches_shown(switches: float | None) -> str:
    return "-" if switches is None else f"{switches:.2f}"


@dataclass(frozen=True)
class Result:
    row: str
    server: str
    measured: Measured
    rounds: tuple[int, ...] = ()  # each round's requests per second, when there were several


def medians(results: list[Result]) -> list[Result]:
    """One result per row and server from its rounds: the median throughput, p50, p99 and CPU
    per request, and every error of every round (the machine's noise moves single runs by a
    tenth)."""
    by_cell: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        by_cell.setdefault((result.row, result.server), []).append(result)
    return [median_of(cell) for cell in by_cell.values()]


def median_of(rounds: list[Result]) -> Result:
    """One row and server's rounds as one result."""
    turns = [result.measured for result in rounds]
    loads = [turn.load for turn in turns]
    return Result(
        rounds[0].row,
        rounds[0].server,
        Measured(
            Load(
                requests=sum(load.requests for load in loads),
                requests_per_second=statistics.median(load.requests_per_second for load in loads),
                p50_ms=statistics.median(load.p50_ms for load in loads),
                p99_ms=statistics.median(load.p99_ms for load in loads),
                errors=sum(load.errors for load in loads),
            ),
            statistics.median(turn.cpu_ms for turn in turns),
            median_of_known(turn.switches for turn in turns),
            statistics.median(turn.load_core_busy for turn in turns),
        ),
        each_round(loads),
    )


def median_of_known(figures: Iterable[float | None]) -> float | None:
    """The median of the figures that were read; None when none was."""
    known = [figure for figure in figures if figure is not None]
    return statistics.median(known) if known else None


def cpu_model() -> str:
    text = Path("/proc/cpuinfo").read_text()
    models = re.findall(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return f"{models[0] if models else 'unknown CPU'}, {len(models)} cores"


def line_of(measured: Measured) -> str:
    """One turn's figures, as the benches print them while they run."""
    load = measured.load
    return (
        f"{load.requests_per_second:8.0f} req/s  p50 {load.p50_ms:7.1f} ms  "
        f"p99 {load.p99_ms:7.1f} ms  CPU {measured.cpu_ms:6.3f} ms/req  "
        f"{switches_shown(measured.switches):>5} switches/req  "
        f"load core {measured.load_core_busy:4.0%}  errors {load.errors}"
    )


@contextmanager
def turn_of(server: AppServer) -> Iterator[None]:
    """The server running for its turn, frozen (docker pause) before and after it."""
    server.docker.unpause()
    try:
        yield
    finally:
        server.docker.pause()


def profile_ours(
    server: AppServer,
    base_url: str,
    paths: dict[str, str],
    seconds: int,
    out_dir: Path,
    rows: tuple[Row, ...],
) -> None:
    """Sample ours (PID 1: one worker serves from the main process) under each row's load."""
    for row in rows:
        url = base_url + paths[row.name]
        with background_load(url, row, seconds + 2):
            found = profile.record(server.docker, 1, seconds)
        slug = re.sub(r"[^a-z0-9]+", "-", row.name.lower()).strip("-")
        report = "\n\n".join(
            [
                f"{row.name}: {found.samples} samples",
                render_table(("own %", "function"), [(p, n) for n, p in found.top(found.own, 15)]),
                render_table(
                    ("inclusive %", "function"),
                    [(p, n) for n, p in found.top(found.inclusive, 25)],
                ),
            ]
        )
        (out_dir / f"profile-{slug}.txt").write_text(report + "\n")
        (out_dir / f"profile-{slug}.raw").write_text(found.raw)
        print(report, flush=True)


@contextmanager
def background_load(url: str, row: Row, seconds: int) -> Iterator[None]:
    """The row's load for `seconds` while the block runs; its failure is raised after it."""
    with ThreadPoolExecutor(1) as pool:
        load = pool.submit(row_load, url, row, seconds)
        yield
        load.result()


def summary(results: list[Result]) -> str:
    """Each row: ours against the best peer, in throughput (and in how many rounds ours was
    ahead) and in p99, and ours' CPU per request against the thriftiest peer's (three decimals:
    0.995 is not 1.0); how busy the load core was under ours and under the best peer says
    whether the throughput was theirs to give, and where the view waits, the row's ceiling
    whether there was any left to take."""
    lines = []
    for row in ROWS:
        by_server = {r.server: r for r in results if r.row == row.name}
        ours = by_server.pop(OURS, None)
        peers = by_server
        if ours is None or not peers:
            continue
        best = max(peers.values(), key=lambda peer: peer.measured.load.requests_per_second)
        best_p99 = min(peer.measured.load.p99_ms for peer in peers.values())
        least_cpu = min(peer.measured.cpu_ms for peer in peers.values())
        mine, top = ours.measured, best.measured
        lines.append(
            (
                row.name,
                round(mine.load.requests_per_second),
                best.server,
                round(top.load.requests_per_second),
                round(mine.load.requests_per_second / top.load.requests_per_second, 3),
                rounds_ahead(ours.rounds, best.rounds),
                round(mine.load.p99_ms / best_p99, 3),
                round(mine.cpu_ms / least_cpu, 3),
                f"{mine.load_core_busy:.0%} / {top.load_core_busy:.0%}",
                of_ceiling(row, mine, top),
            )
        )
    headers = (
        *("row", "ours req/s", "best peer", "its req/s", "ours / best", "rounds ours ahead"),
        *("p99 / best p99", "CPU per request / least peer's", "load core busy, ours / best"),
        "of the ceiling, ours / best",
    )
    return render_table(headers, lines)


def of_ceiling(row: Row, ours: Measured, best: Measured) -> str:
    """Ours' and the best peer's throughput as shares of the row's ceiling ("" without one):
    two servers near it are tied by the wait, not by their cost."""
    if row.ceiling is None:
        return ""
    shares = (measured.load.requests_per_second / row.ceiling for measured in (ours, best))
    return " / ".join(f"{share:.1%}" for share in shares) + f" of {row.ceiling:.0f}"


def details(results: list[Result]) -> str:
    rows = [
        (
            r.row,
            r.server,
            round(r.measured.load.requests_per_second),
            round(r.measured.load.p50_ms, 1),
            round(r.measured.load.p99_ms, 1),
            round(r.measured.cpu_ms, 3),
            switches_shown(r.measured.switches),
            f"{r.measured.load_core_busy:.0%}",
            r.measured.load.errors,
            " ".join(str(figure) for figure in r.rounds) if len(r.rounds) > 1 else "",
        )
        for r in results
    ]
    headers = (
        *("row", "server", "req/s", "p50 ms", "p99 ms", "CPU ms/request", "switches/request"),
        "load core busy",
        *("errors", "each round req/s"),
    )
    return render_table(headers, rows)


def plot(
    results: list[Result], servers: list[str], rows: tuple[Row, ...], out: Path, title: str
) -> None:
    width = max(4 * len(rows), 8)  # wide enough for the title when one row is drawn
    figure, axes = plt.subplots(
        1, len(rows), figsize=(width, 5), constrained_layout=True, squeeze=False
    )
    for axis, row in zip(axes[0], rows, strict=True):
        loads = {r.server: r.measured.load for r in results if r.row == row.name}
        names = [s for s in servers if s in loads]
        colours = ["tab:red" if name == OURS else "tab:gray" for name in names]
        axis.bar(names, [loads[n].requests_per_second for n in names], color=colours)
        if row.ceiling is not None:
            axis.axhline(row.ceiling, color="black", linestyle="--", linewidth=1)
            axis.set_ylim(top=row.ceiling * 1.08)
            axis.annotate(
                f"ceiling {row.ceiling:.0f}",
                xy=(0.5, row.ceiling),
                xycoords=("axes fraction", "data"),
                ha="center",
                va="bottom",
            )
        axis.set_title(f"{row.name}\n{row.connections} connections")
        axis.set_ylabel("requests per second")
        axis.tick_params(axis="x", labelrotation=60)
        axis.grid(True, axis="y", alpha=0.3)
    figure.suptitle(title)
    figure.savefig(out, dpi=100)


def run_peer_bench(
    tools: Toolchain,
    out_dir: Path,
    seconds: int = 10,
    only: list[str] | None = None,
    profile_seconds: int = 0,
    app_image: str | None = None,
    rounds: int = 1,
    only_rows: list[str] | None = None,
) -> None:
    """Bench the app image built from this checkout, or app_image (one built before, to
    compare a change with what it replaces); each figure is the median of its rounds."""
    client, settings = tools.docker, tools.settings
    port = settings.app.port
    check_rounds(rounds)
    rows = chosen_rows(only_rows)
    commands = server_commands(settings.app.asgi_application, port)
    servers = chosen_servers(list(commands), only)
    images = stack_images(tools)
    if app_image is not None:
        images = dataclasses.replace(images, app=app_image)
    bench_image = build_bench_image(tools, images.app)
    use_ryuk_only_if_available(client)
    out_dir.mkdir(parents=True, exist_ok=True)
    title = f"{images.app}, one core per server ({cpu_model()})"
    print(title, flush=True)
    results: list[Result] = []
    with migrated_database(
        client, images.app, images.mysql, settings.app.test_environment, cpuset=LOAD_CPU
    ) as db:
        paths = {row.name: row_path(client, images.app, db.app_env, row) for row in rows}
        with ExitStack() as running:
            # Every server up at once, so that on each row they take turns seconds apart (the
            # machine's noise drifts over minutes); each frozen outside its turn (an idle
            # server's timers took 1-2 % of the shared core).
            started = {
                name: running.enter_context(
                    app_server(
                        bench_image,
                        port,
                        db.network,
                        server_environment(name, db.app_env),
                        command=commands[name],
                        run_options={"cpuset_cpus": SERVER_CPU, **profile.PTRACE_OPTIONS},
                    )
                )
                for name in servers
            }
            for server in started.values():
                server.docker.pause()
                running.callback(server.docker.unpause)  # before it is stopped
            base_urls = {
                name: f"http://{network_address(server)}:{port}" for name, server in started.items()
            }
            for round_number, row, name in schedule(servers, rounds, rows):
                if row.writes:  # each server from the same empty tables
                    empty_database(client, images.app, db.network, db.app_env)
                label = name if rounds == 1 else f"{name} ({round_number}/{rounds})"
                url = base_urls[name] + paths[row.name]
                with turn_of(started[name]):
                    measured = measure_turn(started[name].docker, url, row, seconds)
                print(f"  {label:<28} {row.name:<26} {line_of(measured)}", flush=True)
                results.append(Result(row.name, name, measured))
            if OURS in started and profile_seconds:
                if any(row.writes for row in rows):  # profiled from empty tables, as measured
                    empty_database(client, images.app, db.network, db.app_env)
                with turn_of(started[OURS]):
                    profile_ours(
                        started[OURS], base_urls[OURS], paths, profile_seconds, out_dir, rows
                    )
    results = medians(results)
    report = "\n\n".join([title, details(results), summary(results)])
    (out_dir / "peers.txt").write_text(report + "\n")
    print(report)
    plot(results, servers, rows, out_dir / "peers.png", title)
    print(f"table: {out_dir / 'peers.txt'}; plot: {out_dir / 'peers.png'}")
