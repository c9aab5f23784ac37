"""Suppression of small cells: no hidden cell can be recovered from what is published."""

import itertools
import random

from handoff.suppression import TOTAL, Table, suppress


def table_of(grid, threshold=5):
    rows = [f"r{i}" for i in range(len(grid))]
    columns = [f"c{j}" for j in range(len(grid[0]))]
    counts = {(rows[i], columns[j]): grid[i][j] for i in range(len(grid)) for j in range(len(grid[0]))}
    return suppress(Table(rows, columns, counts), threshold)


def solutions(table, limit=10_000):
    """Every assignment of the hidden inner cells consistent with all published numbers (an attacker's view)."""
    hidden = [cell for cell in table.counts if cell in table.hidden]
    total = table.shown(TOTAL, TOTAL)
    bound = total if total is not None else sum(table.counts.values())  # generous: the attacker's guess range
    found = []
    ranges = []
    for row, column in hidden:  # no cell exceeds a total shown for its row or column
        shown = [v for v in (table.shown(row, TOTAL), table.shown(TOTAL, column)) if v is not None]
        ranges.append(range(min(shown + [bound]) + 1))
    for values in itertools.product(*ranges):
        guess = dict(table.counts)
        guess.update(zip(hidden, values))
        candidate = Table(table.rows, table.columns, guess)
        if all(table.shown(r, c) is None or candidate.value(r, c) == table.shown(r, c)
               for r in [*table.rows, TOTAL] for c in [*table.columns, TOTAL]):
            found.append(dict(zip(hidden, values)))
            if len(found) >= limit:
                break
    return hidden, found


def test_small_cells_and_small_totals_are_hidden_and_large_ones_shown():
    t = table_of([[12, 3], [7, 9]])
    assert t.shown("r0", "c1") is None and t.shown("r0", "c0") is not None or t.shown("r0", "c0") is None
    assert t.shown(TOTAL, TOTAL) == 31
    assert all(t.shown(*cell) is None for cell in t.counts if 0 < t.value(*cell) < 5)


def test_differencing_attack_by_row_column_and_total_fails():
    """The attack: take a row (or column) total and subtract the cells shown. It must never pin a hidden cell."""
    for grid in ([[12, 3], [7, 9]], [[3, 10, 6], [8, 0, 11], [6, 7, 9]], [[1, 20], [0, 20]]):
        t = table_of(grid)
        for line in t.lines():
            hidden = [cell for cell in line if cell in t.hidden]
            assert len(hidden) != 1, (grid, line)


def test_no_hidden_cell_has_only_one_possible_value():
    rng = random.Random(7)
    for _ in range(12):
        grid = [[rng.choice([0, 1, 2, 3, 4, 6]) for _ in range(3)] for _ in range(2)]
        t = table_of(grid)
        hidden, found = solutions(t)
        for cell in hidden:
            assert len({s[cell] for s in found}) > 1, (grid, cell)


def test_a_table_under_the_threshold_shows_nothing_but_zeros():
    t = table_of([[1, 2], [0, 1]])
    assert t.shown(TOTAL, TOTAL) is None
    assert [t.shown(*cell) for cell in t.counts if t.value(*cell) > 0] == [None, None, None]
