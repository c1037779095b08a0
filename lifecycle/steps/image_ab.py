"""A runtime change against what it replaces: app images take turns on one row of the peer
bench, on one MySQL, each turn on emptied tables, the server on one core and wrk on the other;
req/s, p99, CPU and context switches per request for each turn, and the medians with each
image's ratio to the first. On a shared machine single runs of one image move by a fifth from
one run to the next; turns on one database separate a change of a few percent (8 kept database
connections against 16 on the DB page: 3 % of CPU, one context switch per page)."""

import statistics
from dataclasses import dataclass
from pathlib import Path

from docker.errors import ImageNotFound

from lifecycle.errors import LifecycleError
from lifecycle.harness.cpu import context_switches, cpu_seconds
from lifecycle.harness.stack import (
    app_server,
    empty_database,
    migrated_database,
    network_address,
    use_ryuk_only_if_available,
)
from lifecycle.harness.wrk import Load
from lifecycle.steps.images import stack_images
from lifecycle.steps.peer_bench import (
    LOAD_CPU,
    ROWS,
    SERVER_CPU,
    WARM_UP_SECONDS,
    Row,
    check_rounds,
    cpu_model,
    each_round,
    per_request,
    rounds_ahead,
    row_load,
    row_path,
    turn_order,
)
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain


@dataclass(frozen=True)
class Turn:
    image: str
    load: Load
    cpu_ms: float  # the server's CPU per request
    switches: float  # context switches per request, every thread of the server counted


def row_named(name: str) -> Row:
    for row in ROWS:
        if row.name == name:
            return row
    names = ", ".join(repr(row.name) for row in ROWS)
    raise LifecycleError(f"no bench row {name!r}: the rows are {names}")


def run_image_ab(
    tools: Toolchain, out_dir: Path, images: list[str], row_name: str, rounds: int, seconds: int
) -> None:
    row = row_named(row_name)
    if len(images) < 2:
        raise LifecycleError("name at least two images: each is compared with the first")
    check_rounds(rounds)
    client = tools.docker
    for image in images:
        try:
            client.images.get(image)
        except ImageNotFound:
            raise LifecycleError(f"no image {image} here: build it first") from None
    use_ryuk_only_if_available(client)
    port, stack = tools.settings.app.port, stack_images(tools)
    title = f"{row.name}, {row.connections} connections, {rounds} rounds ({cpu_model()})"
    print(title, flush=True)
    turns: list[Turn] = []
    with migrated_database(
        client, images[0], stack.mysql, tools.settings.app.test_environment, cpuset=LOAD_CPU
    ) as db:
        path = row_path(client, images[0], db.app_env, row)
        for round_number in range(1, rounds + 1):
            for image in turn_order(images, round_number):
                empty_database(client, images[0], db.network, db.app_env)
                options = {"cpuset_cpus": SERVER_CPU}
                with app_server(image, port, db.network, db.app_env, run_options=options) as server:
                    url = f"http://{network_address(server)}:{port}{path}"
                    turn = measure_turn(server.docker, image, url, row, seconds)
                print(f"  {round_number}/{rounds}  {line_of(turn)}", flush=True)
                turns.append(turn)
    report = "\n\n".join([title, summary(turns, images)])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ab.txt").write_text(report + "\n")
    print(report)
    print(f"table: {out_dir / 'ab.txt'}")


def measure_turn(container, image: str, url: str, row: Row, seconds: int) -> Turn:
    row_load(url, row, WARM_UP_SECONDS)
    cpu_before, switches_before = cpu_seconds(container), context_switches(container)
    load = row_load(url, row, seconds)
    cpu_ms = per_request((cpu_seconds(container) - cpu_before) * 1000, load)
    switches = per_request(context_switches(container) - switches_before, load)
    return Turn(image, load, cpu_ms, switches)


def line_of(turn: Turn) -> str:
    return (
        f"{turn.image:<32} {turn.load.requests_per_second:8.0f} req/s  "
        f"p99 {turn.load.p99_ms:7.1f} ms  CPU {turn.cpu_ms:6.3f} ms/req  "
        f"{turn.switches:5.2f} switches/req  errors {turn.load.errors}"
    )


def summary(turns: list[Turn], images: list[str]) -> str:
    """Each image's medians over its turns, its req/s as a ratio to the first image's, and in
    how many rounds it beat the first (a ratio from one lucky turn shows there)."""
    own = {image: [turn for turn in turns if turn.image == image] for image in images}
    first = own[images[0]]
    base_rate = statistics.median(turn.load.requests_per_second for turn in first)
    base_rounds = each_round([turn.load for turn in first])
    rows = []
    for image in images:
        mine = own[image]
        rate = statistics.median(turn.load.requests_per_second for turn in mine)
        ahead = rounds_ahead(each_round([turn.load for turn in mine]), base_rounds)
        rows.append(
            (
                image,
                round(rate),
                round(rate / base_rate, 3),
                "" if image == images[0] else ahead,
                round(statistics.median(turn.load.p99_ms for turn in mine), 1),
                round(statistics.median(turn.cpu_ms for turn in mine), 3),
                round(statistics.median(turn.switches for turn in mine), 2),
                sum(turn.load.errors for turn in mine),
            )
        )
    headers = (
        *("image", "req/s", "/ first", "rounds ahead of first", "p99 ms"),
        *("CPU ms/request", "switches/request", "errors"),
    )
    return render_table(headers, rows)
