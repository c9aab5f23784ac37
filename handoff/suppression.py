"""Small-cell suppression for a table with row and column totals, safe against recovery by subtraction."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

Cell = Tuple[str, str]
TOTAL = "__total__"


@dataclass
class Table:
    """Counts by (row, column). `rows`/`columns` give the order; totals are computed, never stored apart."""

    rows: List[str]
    columns: List[str]
    counts: Dict[Cell, int]
    hidden: Set[Cell] = field(default_factory=set)

    def value(self, row: str, column: str) -> int:
        if row == TOTAL and column == TOTAL:
            return sum(self.counts.values())
        if row == TOTAL:
            return sum(self.counts.get((r, column), 0) for r in self.rows)
        if column == TOTAL:
            return sum(self.counts.get((row, c), 0) for c in self.columns)
        return self.counts.get((row, column), 0)

    def shown(self, row: str, column: str) -> Optional[int]:
        """The published value, or None where it is suppressed."""
        return None if (row, column) in self.hidden else self.value(row, column)

    def lines(self) -> List[List[Cell]]:
        """Every row and every column together with its total: each is one equation an attacker has."""
        rows = [[(r, c) for c in [*self.columns, TOTAL]] for r in [*self.rows, TOTAL]]
        columns = [[(r, c) for r in [*self.rows, TOTAL]] for c in [*self.columns, TOTAL]]
        return rows + columns


def suppress(table: Table, threshold: int) -> Table:
    """Hide every count from 1 to threshold-1 (totals included); then, wherever a row or column would
    have exactly one hidden cell (its value would follow from the others by subtraction), hide the
    smallest other non-zero inner cell too, until no line has exactly one. Totals are hidden only for
    being small, so the same total shown in other tables never gives a hidden cell away."""
    table.hidden = {(r, c) for r in [*table.rows, TOTAL] for c in [*table.columns, TOTAL]
                    if 0 < table.value(r, c) < threshold}
    changed = True
    while changed:
        changed = False
        for line in table.lines():
            hidden = [cell for cell in line if cell in table.hidden]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in line if cell not in table.hidden and TOTAL not in cell
                          and table.value(*cell) > 0]
            if not candidates:  # cannot happen: a lone small cell with no partner makes its total small
                candidates = [cell for cell in line if cell not in table.hidden and table.value(*cell) > 0]
            table.hidden.add(min(candidates, key=lambda cell: (table.value(*cell), cell)))
            changed = True
    return table
