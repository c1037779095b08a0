"""The peer bench: its figures from several rounds, and how each server is run."""

import re

import pytest

from lifecycle.errors import LifecycleError
from lifecycle.harness.wrk import Load
from lifecycle.steps import peer_bench
from lifecycle.steps.peer_bench import (
    ONE_CONNECTION_A_REQUEST,
    OURS,
    Measured,
    details,
    medians,
    server_commands,
    server_environment,
    summary,
)


def load(rate: float, p99: float, errors: int = 0) -> Load:
    return Load(
        requests=int(rate * 10), requests_per_second=rate, p50_ms=1, p99_ms=p99, errors=errors
    )


def result(row: str, server: str, load: Load, cpu_ms: float, load_core_busy: float):
    """A turn's result, five context switches a request."""
    return peer_bench.Result(row, server, Measured(load, cpu_ms, 5.0, load_core_busy))


def test_each_figure_is_the_median_of_its_rounds_and_no_error_is_lost():
    rounds = [
        result("row", "ours", load(300, 9.0), 0.5, 0.9),
        result("row", "peer", load(200, 5.0, errors=1), 0.7, 0.5),
        result("row", "ours", load(100, 7.0), 0.9, 0.7),
        result("row", "peer", load(250, 6.0), 0.6, 0.5),
        result("row", "ours", load(200, 8.0), 0.6, 0.8),
        result("row", "peer", load(240, 4.0), 0.8, 0.5),
    ]
    by_server = {r.server: r for r in medians(rounds)}
    assert by_server["ours"].measured.load.requests_per_second == 200
    assert by_server["ours"].measured.load.p99_ms == 8.0
    assert by_server["ours"].rounds == (300, 100, 200)
    assert by_server["ours"].measured.cpu_ms == 0.6
    assert by_server["ours"].measured.load_core_busy == 0.8
    assert by_server["peer"].measured.load.requests_per_second == 240
    assert by_server["peer"].measured.load.errors == 1
    assert by_server["peer"].measured.load.requests == 6900


def test_the_table_lists_each_round_only_when_there_were_several():
    (once,) = medians([result("row", "ours", load(123, 1.0), 0.25, 0.974)])
    assert details([once]).splitlines()[-1].split() == [
        *("row", "ours", "123", "1", "1.0", "0.25", "5.00", "97%", "0"),
    ]
    (twice,) = medians(
        [result("row", "ours", load(100, 1.0), 1, 1), result("row", "ours", load(140, 1.0), 1, 1)]
    )
    assert details([twice]).splitlines()[-1].split()[-2:] == ["100", "140"]


def test_switches_not_read_in_a_round_are_left_out_of_the_median_and_shown_as_such():
    rounds = [
        peer_bench.Result("row", "ours", Measured(load(100, 1.0), 1, switches, 0.5))
        for switches in (None, 4.0, 6.0)
    ]
    (together,) = medians(rounds)
    assert together.measured.switches == 5.0
    (never,) = medians(rounds[:1])
    assert never.measured.switches is None
    assert details([never]).splitlines()[-1].split()[6] == "-"


def test_only_peers_serving_through_djangos_own_asgi_handler_open_a_connection_a_request():
    servers = server_commands("project.asgi:application", 8000)
    assert servers.keys() >= ONE_CONNECTION_A_REQUEST
    env = {"MYSQL_HOST": "db"}
    assert server_environment("daphne", env) == {**env, "DJANGO_CONN_MAX_AGE": "0"}
    assert server_environment("granian WSGI", env) == env
    assert server_environment(OURS, env) == env


def test_the_summary_sets_ours_against_the_best_peer_and_the_thriftiest():
    results = [
        result("DB page /", "ours", load(1000, 20.0), 0.6, 0.97),
        result("DB page /", "fast", load(1250, 10.0), 0.8, 0.99),
        result("DB page /", "thrifty", load(500, 40.0), 0.5, 0.4),
    ]
    figures = re.split(r"\s{2,}", summary(results).splitlines()[-1].strip())
    assert figures == ["DB page /", "1000", "fast", "1250", "0.8", "2.0", "1.2", "97% / 99%"]


def test_a_waiting_rows_summary_says_how_near_its_ceiling_ours_and_the_best_came():
    ceilings = {row.name: row.ceiling for row in peer_bench.ROWS if row.wait_ms}
    assert ceilings == {"sync view waiting 100 ms": 640, "async view waiting 100 ms": 2560}
    waiting = next(row for row in peer_bench.ROWS if row.wait_ms)
    results = [
        result(waiting.name, "ours", load(waiting.ceiling * 0.97, 110.0), 0.5, 0.1),
        result(waiting.name, "peer", load(waiting.ceiling * 0.98, 109.0), 0.4, 0.1),
    ]
    figures = re.split(r"\s{2,}", summary(results).splitlines()[-1].strip())
    assert figures[-1] == f"97.0% / 98.0% of {waiting.ceiling:.0f}"


def test_a_row_whose_view_does_not_wait_has_no_ceiling():
    assert peer_bench.ROWS[0].ceiling is None


def test_the_summary_counts_the_rounds_ours_beat_the_best_peer_in():
    rounds = [
        *(result("DB page /", "ours", load(rate, 20.0), 0.6, 0.9) for rate in (900, 1100, 1000)),
        *(result("DB page /", "peer", load(rate, 20.0), 0.6, 0.9) for rate in (950, 1000, 990)),
    ]
    figures = re.split(r"\s{2,}", summary(medians(rounds)).splitlines()[-1].strip())
    assert figures[4:6] == ["1.01", "2 of 3"]  # ahead in rounds 2 and 3, behind in round 1


@pytest.mark.parametrize(
    ("round_number", "order"),
    [
        (1, ["ours", "a", "b"]),
        (2, ["a", "b", "ours"]),
        (3, ["b", "ours", "a"]),
        (4, ["ours", "a", "b"]),
    ],
)
def test_each_round_starts_one_server_further_along(round_number, order):
    assert peer_bench.turn_order(["ours", "a", "b"], round_number) == order


def test_on_each_row_every_server_takes_its_turn_before_the_next_row():
    turns = [
        (number, row.name, name) for number, row, name in peer_bench.schedule(["ours", "a"], 2)
    ]
    names = [row.name for row in peer_bench.ROWS]
    assert turns == [
        *((1, row, name) for row in names for name in ("ours", "a")),
        *((2, row, name) for row in names for name in ("a", "ours")),
    ]


def test_an_unknown_row_is_refused_naming_the_rows():
    with pytest.raises(LifecycleError, match=r"no bench row 'DB'.*'DB page /'"):
        peer_bench.row_named("DB")


def test_the_rows_named_are_benched_in_the_benchs_order_and_all_by_default():
    sync, db_page = "sync view waiting 100 ms", "DB page /"
    assert [row.name for row in peer_bench.chosen_rows([sync, db_page])] == [db_page, sync]
    assert peer_bench.chosen_rows(None) == peer_bench.chosen_rows([]) == peer_bench.ROWS


def test_a_run_of_some_rows_schedules_only_those():
    rows = peer_bench.chosen_rows(["/healthz"])
    turns = [(number, row.name, name) for number, row, name in peer_bench.schedule(["a"], 2, rows)]
    assert turns == [(1, "/healthz", "a"), (2, "/healthz", "a")]


def test_only_the_row_that_writes_empties_the_tables_before_each_turn():
    assert [row.name for row in peer_bench.ROWS if row.writes] == ["DB page /"]


def test_a_rows_path_is_looked_up_in_the_image_only_for_the_hashed_css(monkeypatch):
    found = []
    monkeypatch.setattr(peer_bench, "run_once", lambda *args: found.pop())
    db_page, css = peer_bench.ROWS[0], peer_bench.ROWS[1]
    assert peer_bench.row_path(None, "app", {}, db_page) == "/"  # no container run: none found
    found.append("/static/site.abc123.css\n")
    assert peer_bench.row_path(None, "app", {}, css) == "/static/site.abc123.css"
    found.append("\n")
    with pytest.raises(LifecycleError, match="collected no CSS file"):
        peer_bench.row_path(None, "app", {}, css)


def test_a_server_the_bench_does_not_have_is_refused_naming_them():
    servers = ["ours", "daphne", "granian WSGI"]
    assert peer_bench.chosen_servers(servers, None) == servers
    assert peer_bench.chosen_servers(servers, ["granian WSGI", "ours"]) == ["ours", "granian WSGI"]
    with pytest.raises(LifecycleError, match=r"no bench server 'typo': the servers are 'ours', "):
        peer_bench.chosen_servers(servers, ["ours", "typo"])


def test_no_rounds_is_refused_before_anything_runs():
    with pytest.raises(LifecycleError, match="--rounds must be at least 1, not 0"):
        peer_bench.check_rounds(0)
