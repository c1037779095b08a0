"""The instruction count reads callgrind's summary, and a request's count is the difference
between runs of two lengths over the requests between them."""

from pathlib import Path

import pytest

from lifecycle.errors import LifecycleError
from lifecycle.steps import instructions


def test_the_count_is_read_from_callgrinds_summary():
    output = "==1== Events    : Ir\n==1== Collected : 1,925,118,650\n==1==\n==1== I   refs:"
    assert instructions.collected(output) == 1_925_118_650


def test_a_run_that_counted_nothing_is_refused_with_its_last_line():
    with pytest.raises(LifecycleError, match="callgrind counted nothing: ImportError: no uvloop"):
        instructions.collected("Traceback (most recent call last):\nImportError: no uvloop\n")


def test_a_request_costs_the_difference_over_the_requests_between_the_runs():
    # The process's start-up and warm-up are in both totals and cancel out.
    totals = {600: 5_000_000 + 600 * 1_000, 200: 5_000_000 + 200 * 1_000}
    assert instructions.per_request(totals) == 1_000


def test_no_valgrind_is_said_in_one_line(monkeypatch):
    monkeypatch.setattr(instructions, "VALGRIND", Path("/nonexistent/valgrind.bin"))
    with pytest.raises(LifecycleError, match="valgrind is not installed: apt-get install valgrind"):
        instructions.check_valgrind()
