"""The size budget: a verdict within it, the overshoot when over it, and a readable layer table."""

import pytest

from lifecycle.errors import OverBudget
from lifecycle.steps.size import Layer, check_budget, clean_instruction, layer_table


def test_image_within_budget_reports_its_size():
    assert check_budget("my-app:abc", 118_200_000, 120) == (
        "my-app:abc is 118.2 MB, within its 120 MB budget"
    )


def test_image_over_budget_fails_with_the_overshoot():
    with pytest.raises(OverBudget) as caught:
        check_budget("my-app:abc", 173_600_000, 120)
    assert str(caught.value).startswith("my-app:abc is 173.6 MB, 53.6 MB over its 120 MB budget")


def test_first_build_without_a_budget_says_what_it_measured_and_passes():
    assert check_budget("team-app:abc", 152_700_000, None) == (
        "team-app:abc is 152.7 MB; no budget is set: set image.budget_mb "
        "(e.g. 168, 10 % over today) so that growth fails the build"
    )


def test_instruction_text_loses_the_shell_prefix_and_is_shortened():
    assert clean_instruction('/bin/sh -c #(nop)  CMD ["python"]') == 'CMD ["python"]'
    long = clean_instruction("/bin/sh -c apt-get install " + "x" * 200)
    assert long.startswith("apt-get install xxx") and long.endswith("...") and len(long) == 90


def test_layer_table_lists_megabytes_and_instructions():
    table = layer_table([Layer(74_100_000, "debootstrap"), Layer(0, "CMD")]).splitlines()
    assert table[0].split() == ["MB", "created", "by"]
    assert table[2].split() == ["74.1", "debootstrap"]
    assert table[3].split() == ["0.0", "CMD"]
