"""The image A/B bench: its figures from interleaved turns, and its refusals."""

import pytest

from lifecycle.errors import LifecycleError
from lifecycle.harness.cpu import switches_between, switches_in
from lifecycle.harness.wrk import Load
from lifecycle.steps.image_ab import run_image_ab, summary
from lifecycle.steps.peer_bench import Measured, Result

STATUS = """Name:\tpython
State:\tS (sleeping)
voluntary_ctxt_switches:\t1200
nonvoluntary_ctxt_switches:\t34
"""


def turn(image: str, rate: float, switches: float = 5.0) -> Result:
    load = Load(
        requests=int(rate * 10), requests_per_second=rate, p50_ms=1.0, p99_ms=rate / 10, errors=0
    )
    return Result("DB page /", image, Measured(load, 1000 / rate, switches, load_core_busy=0.5))


def test_a_threads_switches_are_its_voluntary_and_involuntary_ones():
    assert switches_in(STATUS) == 1234


def test_switches_between_two_readings_count_threads_started_in_between():
    assert switches_between({10: 5, 11: 7}, {10: 9, 11: 7, 12: 3}) == 7


def test_no_switches_are_counted_where_a_thread_ended_in_between():
    # Its switches since the first reading went with it: the sum would be 4 - 12, below zero.
    assert switches_between({10: 5, 11: 7}, {10: 9}) is None


def test_each_image_gets_its_medians_its_ratio_to_the_first_and_the_rounds_it_won():
    turns = [
        turn("main", 800, 6.3),
        turn("change", 840, 5.3),
        turn("main", 820, 6.2),
        turn("change", 816, 5.4),
        turn("main", 700, 6.5),
        turn("change", 760, 5.5),
    ]
    table = summary(turns, ["main", "change"]).splitlines()
    main, change = table[2].split(), table[3].split()
    assert main[:3] == ["main", "800", "1.0"]
    assert change[:3] == ["change", "816", "1.02"]
    assert change[3:6] == ["2", "of", "3"]  # ahead in rounds 1 and 3, behind in round 2
    assert change[-2] == "5.40"  # switches per request, the median


@pytest.mark.parametrize(
    ("images", "rounds", "message"),
    [(["only"], 6, "at least two images"), (["a", "b"], 0, "--rounds must be at least 1")],
)
def test_nothing_to_compare_is_refused_before_anything_runs(images, rounds, message):
    with pytest.raises(LifecycleError, match=message):
        run_image_ab(None, None, images, "DB page /", rounds, 10)
