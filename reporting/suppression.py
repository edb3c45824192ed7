"""Small-number suppression for equality monitoring, so no one can be picked out of the figures.

Every count from 1 to THRESHOLD - 1 is shown as "fewer than 5" (primary suppression). The table's total is shown
(it is the number of equality forms, the same in every table), so a reader knows what the hidden cells add up to;
whenever that would pin a hidden cell down to one value, the smallest shown cell above zero is hidden as well
(secondary suppression, shown as "not shown"), and so on until no hidden cell can be worked out. A reader knows a
primary cell lies in 1..4 and can guess that a secondary one is 5 or more; `_pinned` checks each hidden cell's
possible range from those bounds and the total. If nothing is left to hide, the whole table is withheld.
"""

import dataclasses
import math

THRESHOLD = 5
FEWER = "fewer than 5"
HIDDEN = "not shown"


@dataclasses.dataclass
class Cell:
    label: str
    shown: str  # the count as digits, FEWER, or HIDDEN: a hidden count is not kept, so no page can show it


@dataclasses.dataclass
class Table:
    cells: list[Cell]
    total: int
    withheld: bool = False  # too few forms (or no way to hide enough): nothing but the total is shown


def _bounds(primary: bool) -> tuple[float, float]:
    return (1, THRESHOLD - 1) if primary else (THRESHOLD, math.inf)


def _pinned(cells: list[int], primary: set[int], secondary: set[int]) -> bool:
    """True if some hidden cell's value follows from the others' bounds and the hidden cells' sum."""
    hidden = primary | secondary
    if not hidden:
        return False
    hidden_sum = sum(cells[i] for i in hidden)
    for i in hidden:
        low_i, high_i = _bounds(i in primary)
        others = [_bounds(j in primary) for j in hidden if j != i]
        low = max(low_i, hidden_sum - sum(high for _low, high in others))
        high = min(high_i, hidden_sum - sum(low for low, _high in others))
        if low >= high:
            return True
    return False


def suppress(labels: list[str], cells: list[int], *, total: int) -> Table:
    if 0 < total < THRESHOLD:
        return Table([Cell(label, HIDDEN) for label in labels], total, withheld=True)
    primary = {i for i, n in enumerate(cells) if 0 < n < THRESHOLD}
    secondary: set[int] = set()
    while _pinned(cells, primary, secondary):
        candidates = [i for i, n in enumerate(cells) if n >= THRESHOLD and i not in secondary]
        if not candidates:
            return Table([Cell(label, HIDDEN) for label in labels], total, withheld=True)
        secondary.add(min(candidates, key=lambda i: (cells[i], i)))
    shown = []
    for i, (label, n) in enumerate(zip(labels, cells, strict=True)):
        text = FEWER if i in primary else HIDDEN if i in secondary else str(n)
        shown.append(Cell(label, text))
    return Table(shown, total)
