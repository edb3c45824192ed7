"""Small-number suppression: no hidden equality count can be worked out from what is shown."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.suppression import FEWER, HIDDEN, suppress


def shown(cells, total=None):
    table = suppress([f"c{i}" for i in range(len(cells))], cells, total=sum(cells) if total is None else total)
    return [cell.shown for cell in table.cells], table.withheld


def test_counts_of_one_to_four_are_fewer_than_five_and_a_second_cell_is_hidden():
    # Without the second cell, 20 - 10 - 7 = 3 would give the hidden one away.
    assert shown([3, 10, 7, 0]) == ([FEWER, "10", HIDDEN, "0"], False)


def test_two_small_cells_that_add_up_to_two_are_both_ones_so_more_is_hidden():
    cells, withheld = shown([1, 1, 20, 30])
    assert cells[:2] == [FEWER, FEWER]
    assert cells[2] == HIDDEN
    assert cells[3] == "30"
    assert not withheld


def test_nothing_small_nothing_hidden():
    assert shown([5, 0, 12]) == (["5", "0", "12"], False)


def test_fewer_than_five_forms_withholds_the_table():
    assert shown([2, 1]) == ([HIDDEN, HIDDEN], True)


def test_hiding_the_other_cell_is_enough_when_both_stay_uncertain():
    # 4 and 6 of 10: a reader knows one is 1..4 and the other 5 or more, so either could be 6..9 / 1..4.
    assert shown([4, 6]) == ([FEWER, HIDDEN], False)


def possible_values(cells, hidden_primary, hidden_secondary, total):
    """Brute force: every assignment of the hidden cells a reader cannot rule out."""
    hidden = sorted(hidden_primary | hidden_secondary)
    rest = total - sum(n for i, n in enumerate(cells) if i not in hidden)
    ranges = [range(1, 5) if i in hidden_primary else range(5, rest + 1) for i in hidden]
    return [dict(zip(hidden, combo, strict=True)) for combo in itertools.product(*ranges) if sum(combo) == rest]


@settings(max_examples=300)
@given(cells=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=5))
def test_no_hidden_cell_can_be_worked_out(cells):
    total = sum(cells)
    texts, withheld = shown(cells)
    if withheld:
        assert all(text == HIDDEN for text in texts)
        return
    for n, text in zip(cells, texts, strict=True):
        if text not in (FEWER, HIDDEN):
            assert text == str(n)
            assert not 0 < n < 5
    primary = {i for i, text in enumerate(texts) if text == FEWER}
    secondary = {i for i, text in enumerate(texts) if text == HIDDEN}
    assert primary == {i for i, n in enumerate(cells) if 0 < n < 5}
    worlds = possible_values(cells, primary, secondary, total)
    for i in primary | secondary:
        assert len({world[i] for world in worlds}) >= 2, (cells, texts)
