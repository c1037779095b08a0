"""A runtime change against what it replaces: app images take turns on one row of the peer
bench, on one MySQL (on a row that writes, each turn on emptied tables), the server on one core
and wrk on the other; req/s, p99, CPU and context switches per request for each turn (as the
peer bench measures one), and the medians, with each image's ratio to the first and the rounds
it won. On a shared machine one image's turns move by a fifth from run to run, and on some
machines by a tenth from one turn to the next: a change of a few percent shows only where the
rounds agree."""

from pathlib import Path

from docker.errors import ImageNotFound

from lifecycle.errors import LifecycleError
from lifecycle.harness.stack import (
    app_server,
    empty_database,
    migrated_database,
    network_address,
    use_ryuk_only_if_available,
)
from lifecycle.steps.images import stack_images
from lifecycle.steps.peer_bench import (
    LOAD_CPU,
    SERVER_CPU,
    Result,
    check_rounds,
    cpu_model,
    line_of,
    measure_turn,
    medians,
    rounds_ahead,
    row_named,
    row_path,
    switches_shown,
    turn_order,
)
from lifecycle.tables import render_table
from lifecycle.toolchain import Toolchain


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
    turns: list[Result] = []  # each turn's, the image as its server
    with migrated_database(
        client, images[0], stack.mysql, tools.settings.app.test_environment, cpuset=LOAD_CPU
    ) as db:
        path = row_path(client, images[0], db.app_env, row)
        for round_number in range(1, rounds + 1):
            for image in turn_order(images, round_number):
                if row.writes:  # each image from the same empty tables
                    empty_database(client, images[0], db.network, db.app_env)
                options = {"cpuset_cpus": SERVER_CPU}
                with app_server(image, port, db.network, db.app_env, run_options=options) as server:
                    url = f"http://{network_address(server)}:{port}{path}"
                    measured = measure_turn(server.docker, url, row, seconds)
                print(f"  {round_number}/{rounds}  {image:<32} {line_of(measured)}", flush=True)
                turns.append(Result(row.name, image, measured))
    report = "\n\n".join([title, summary(turns, images)])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ab.txt").write_text(report + "\n")
    print(report)
    print(f"table: {out_dir / 'ab.txt'}")


def summary(turns: list[Result], images: list[str]) -> str:
    """Each image's medians over its turns, its req/s as a ratio to the first image's, and in
    how many rounds it beat the first (a ratio from one lucky turn shows there)."""
    by_image = {result.server: result for result in medians(turns)}
    first = by_image[images[0]]
    rows = []
    for image in images:
        mine = by_image[image]
        load = mine.measured.load
        rows.append(
            (
                image,
                round(load.requests_per_second),
                round(load.requests_per_second / first.measured.load.requests_per_second, 3),
                "" if image == images[0] else rounds_ahead(mine.rounds, first.rounds),
                round(load.p99_ms, 1),
                round(mine.measured.cpu_ms, 3),
                switches_shown(mine.measured.switches),
                load.errors,
            )
        )
    headers = (
        *("image", "req/s", "/ first", "rounds ahead of first", "p99 ms"),
        *("CPU ms/request", "switches/request", "errors"),
    )
    return render_table(headers, rows)
