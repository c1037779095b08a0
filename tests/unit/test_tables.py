"""Reports a person reads: columns padded to the widest cell, numbers to the right."""

from lifecycle.tables import render_table


def test_numbers_align_right_and_text_left():
    table = render_table(("row", "req/s"), [("DB page", 508), ("hashed CSS", 6172)])
    assert table.splitlines() == [
        "row         req/s",
        "----------  -----",
        "DB page       508",
        "hashed CSS   6172",
    ]


def test_a_table_without_rows_is_its_header():
    # A bench of ours alone has no peer to compare with: an empty summary, not a crash.
    assert render_table(("row", "ours / best"), []).splitlines() == [
        "row  ours / best",
        "---  -----------",
    ]
