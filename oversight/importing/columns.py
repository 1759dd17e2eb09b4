"""Parsing and checking many rows at once, a column at a time.

A column of an extract holds few distinct cells in many rows (a few hundred dates, a handful of
labels): each distinct cell is parsed once, by the column's own ``parse``, and every row takes
its value by a dictionary look-up that ``map`` makes in C, so that no line of Python runs once
per cell. The kind's rule across columns (``Kind.check``) runs once for each distinct
combination of the columns it reads (``Kind.check_reads``; all but the key, which it never
reads, when not named), or not at all for rows its ``vouch`` clears.

Nothing here names a problem. At the first doubt (a cell its column refuses, a required cell
blank, a rule broken, a cell that is not text) a batch is handed back, and the row-by-row
reading names every problem by line and column: what is refused, and why, is always what that
reading decides; this only gets there sooner for a file that is valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import repeat
from operator import is_

from oversight.importing.kind import Column, Kind, no_rule
from oversight.values import is_blank, stored_value

MEMO_LIMIT = 4096  # distinct cells remembered per column from batch to batch: dates, labels
WHOLE_MIN = 1024  # cells of a column parsed whole by its parse_many, when at least these
RULED_LIMIT = 200_000  # distinct combinations whose ruling is remembered from batch to batch
Cells = Sequence[object]  # a column's cells, one a row (None: the file lacks the column)


class ColumnReader:
    """Reads the cells of many rows of a ``kind``, column by column, as its rows parse and
    check them; what each distinct cell parses to, and what the rule makes of each distinct
    combination of what it reads, are remembered from one batch to the next."""

    def __init__(self, kind: Kind, as_of: date) -> None:
        self.kind, self.as_of = kind, as_of
        # For each column, what each cell seen parses to, and how that is stored.
        self.values: list[dict[object, object]] = [{} for _ in kind.columns]
        self.stored: list[dict[object, object]] = [{} for _ in kind.columns]
        # The combinations the rule has found no problem in; and, by column, what it filled in
        # for those it filled a value in.
        self.ruled: set[tuple[object, ...]] = set()
        self.fills: dict[str, dict[tuple[object, ...], object]] = {}

    def parse(
        self, cells: Sequence[Cells], columns: Sequence[Column]
    ) -> tuple[list[list[object]], list[list[object]]] | None:
        """Each of ``columns``' values and stored values for the rows whose cells are given
        (a sequence for each column), or None when a cell is refused."""
        values: list[list[object]] = []
        stored: list[list[object]] = []
        for column, column_cells in zip(columns, cells, strict=True):
            whole = _parsed_whole(column, column_cells)
            if whole is not None:
                values.append(whole[0])
                stored.append(whole[1])
                continue
            at = self.kind.columns.index(column)
            if not self._learn(column, column_cells, self.values[at], self.stored[at]):
                return None
            values.append(list(map(self.values[at].__getitem__, column_cells)))
            stored.append(list(map(self.stored[at].__getitem__, column_cells)))
            if len(self.values[at]) > MEMO_LIMIT:  # a column of mostly distinct cells
                self.values[at].clear()
                self.stored[at].clear()
        return values, stored

    def rule(
        self, names: list[str], values: list[list[object]], stored: list[list[object]]
    ) -> list[list[object]] | None:
        """The stored values of the columns ``names`` once the rule across columns has run on
        the rows (a column it fills values in is given a new list), or None when it finds a
        problem."""
        if self.kind.check is no_rule:
            return stored
        vouch, given = self.kind.vouch, dict(zip(names, values, strict=True))
        if vouch is not None and vouch(given, self.as_of):
            stored = list(stored)
            for at, name in enumerate(names):
                if given[name] is not values[at]:  # values the rule fills in
                    stored[at] = list(map(stored_value, given[name]))
            return stored
        return self._checked(names, values, list(stored))

    def _learn(
        self,
        column: Column,
        cells: Cells,
        values: dict[object, object],
        stored: dict[object, object],
    ) -> bool:
        """Parses each cell not seen before into ``values`` and ``stored``; False when a cell
        is refused (or is not text)."""
        new = list(set(cells).difference(values))
        if not _text_or_none(new):
            return False  # a workbook's number or date: the row-by-row reading's own rules
        if column.parse_many is not None and None not in new:
            texts = list(filter(str.strip, new))  # the blank ones are parsed below, as blanks
            many = column.parse_many(texts)
            if many is not None:
                values.update(zip(texts, many, strict=True))
                stored.update(zip(texts, map(stored_value, many), strict=True))
                new = list(set(new).difference(texts))
        for cell in new:
            parsed = _parse(column, cell)
            if parsed is None:
                return False
            values[cell], stored[cell] = parsed
        return True

    def _checked(
        self, names: list[str], values: list[list[object]], stored: list[list[object]]
    ) -> list[list[object]] | None:
        """The rule across columns, run once for each distinct combination of the columns it
        reads (``Kind.check_reads``; all but the key when not named); None when it finds a
        problem."""
        key, check, as_of, ruled = self.kind.key, self.kind.check, self.as_of, self.ruled
        reads = self.kind.check_reads
        read = [i for i, name in enumerate(names) if (name in reads if reads else name not in key)]
        read_names = [names[i] for i in read]
        combinations = list(zip(*(values[i] for i in read), strict=True))
        width = len(read) + len(key)
        for combination in set(combinations).difference(ruled):
            row = dict(zip(read_names, combination, strict=True))  # the columns read, then the key
            row.update(zip(key, repeat(None)))
            if check(row, as_of) or len(row) != width:  # a problem, or a column it made up
                return None
            ruled.add(combination)
            if all(map(is_, row.values(), combination)):
                continue
            for name, before in zip(read_names, combination, strict=True):
                if row[name] is not before:  # the rule filled in a value (a blank status)
                    self.fills.setdefault(name, {})[combination] = stored_value(row[name])
        for name, fills in self.fills.items():
            at = names.index(name)
            stored[at] = list(map(fills.get, combinations, stored[at]))
        if len(ruled) > RULED_LIMIT:
            ruled.clear()
            self.fills.clear()
        return stored


def _parsed_whole(column: Column, cells: Cells) -> tuple[list[object], list[object]] | None:
    """A column of mostly distinct cells (references, times of arrival) parsed whole by its
    ``parse_many``, its blank cells blank: its values and stored values, or None to parse it
    cell by cell (too few cells to be worth it, a cell not text or of spaces, a cell refused,
    a required cell blank: the cell-by-cell parse decides)."""
    if column.parse_many is None or len(cells) < WHOLE_MIN or set(map(type, cells)) != {str}:
        return None
    texts = list(filter(None, cells))
    if len(texts) < len(cells) and column.required:
        return None
    if len(texts) != len(list(filter(str.strip, texts))):
        return None  # a cell of spaces only: blank, as cell by cell
    many = column.parse_many(texts)
    if many is None:
        return None
    if len(texts) < len(cells):  # blank cells are None, as cell by cell
        parsed = iter(many)
        many = [next(parsed) if cell else None for cell in cells]
    if set(map(type, many)) <= {str, type(None)}:  # stored as parsed
        return many, many
    return many, list(map(stored_value, many))


def _text_or_none(cells: list[object]) -> bool:
    return all(cell is None or cell.__class__ is str for cell in cells)


def _parse(column: Column, cell: object) -> tuple[object, object] | None:
    """A cell's value and how it is stored, as the row-by-row reading parses it; None for a
    problem, which that reading will name."""
    if is_blank(cell):
        return None if column.required else (None, None)
    try:
        value = column.parse(cell)
    except ValueError:
        return None
    return value, stored_value(value)


def transposed(rows: Sequence[Sequence[object]], width: int) -> list[Cells] | None:
    """The cells of ``rows`` as ``width`` columns, or None when a row has more cells than that
    (the row-by-row reading says whether the extra ones are blank) or fewer."""
    if not rows:
        return [() for _ in range(width)]
    if set(map(len, rows)) != {width}:
        return None
    return list(zip(*rows, strict=True))
