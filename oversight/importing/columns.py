"""Parsing and checking many rows at once, a column at a time.

A column of an extract holds few distinct cells in many rows (a few hundred dates, a handful of
labels): each distinct cell is parsed once, by the column's own ``parse``, and every row takes
its value by a dictionary look-up that ``map`` makes in C, so that no line of Python runs once
per cell. The kind's rule across columns (``Kind.check``) runs once for each distinct
combination of the columns but the key (it never reads the key), or not at all for a batch its
``vouch`` clears.

Nothing here names a problem. At the first doubt (a cell its column refuses, a required cell
blank, a rule broken, a cell that is not text) a batch is handed back, and the row-by-row
reading names every problem by line and column: what is refused, and why, is always what that
reading decides; this only gets there sooner for a file that is valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import repeat
from operator import is_, itemgetter

from oversight.importing.kind import Column, Kind, no_rule
from oversight.values import is_blank, stored_value

MEMO_LIMIT = 4096  # distinct cells remembered per column from batch to batch: dates, labels
_VALUE, _STORED = itemgetter(0), itemgetter(1)
Cells = Sequence[object]  # a column's cells, one a row (None: the file lacks the column)


class ColumnReader:
    """Reads the cells of many rows of a ``kind``, column by column, as its rows parse and
    check them; the parsed cells are remembered from one batch to the next."""

    def __init__(self, kind: Kind, as_of: date) -> None:
        self.kind, self.as_of = kind, as_of
        self.memos: list[dict[object, tuple[object, object]]] = [{} for _ in kind.columns]

    def stored_columns(
        self, cells: Sequence[Cells], columns: Sequence[Column] | None = None
    ) -> list[list[object]] | None:
        """Each column's stored values for the rows whose cells are given (a sequence for
        each of ``columns``: all the kind's, or all but the key), or None at the first doubt.
        The rule across columns is applied, and any value it fills in is stored."""
        columns = self.kind.columns if columns is None else columns
        names = [c.name for c in columns]
        values: list[list[object]] = []
        stored: list[list[object]] = []
        for column, column_cells in zip(columns, cells, strict=True):
            pairs = self._parse(column, column_cells)
            if pairs is None:
                return None
            values.append(list(map(_VALUE, pairs)))
            stored.append(list(map(_STORED, pairs)))
        if self.kind.check is no_rule:
            return stored
        vouch = self.kind.vouch
        if vouch is not None and vouch(dict(zip(names, values, strict=True)), self.as_of):
            return stored
        return self._checked(names, values, stored)

    def _parse(self, column: Column, cells: Cells) -> list[tuple[object, object]] | None:
        """Each cell's (value, stored value), or None when a cell is refused (or not text)."""
        memo = self.memos[self.kind.columns.index(column)]
        new = list(set(cells).difference(memo))
        if not _text_or_none(new):
            return None  # a workbook's number or date: the row-by-row reading's own rules
        if column.parse_many is not None and None not in new:
            texts = list(filter(str.strip, new))  # the blank ones are parsed below, as blanks
            many = column.parse_many(texts)
            if many is not None:
                stored = map(stored_value, many)
                memo.update(zip(texts, zip(many, stored, strict=True), strict=True))
                new = list(set(new).difference(texts))
        for cell in new:
            parsed = _parse(column, cell)
            if parsed is None:
                return None
            memo[cell] = parsed
        pairs = list(map(memo.__getitem__, cells))
        if len(memo) > MEMO_LIMIT:  # a column of mostly distinct cells (a reference)
            memo.clear()
        return pairs

    def _checked(
        self, names: list[str], values: list[list[object]], stored: list[list[object]]
    ) -> list[list[object]] | None:
        """The rule across columns, run once for each distinct combination of the columns it
        reads (``Kind.check_reads``; all but the key when not named); None when it finds a
        problem."""
        key, check, as_of = self.kind.key, self.kind.check, self.as_of
        reads = self.kind.check_reads
        read = [i for i, name in enumerate(names) if (name in reads if reads else name not in key)]
        read_names = [names[i] for i in read]
        combinations = list(zip(*(values[i] for i in read), strict=True))
        filled: dict[int, dict[tuple[object, ...], object]] = {}
        width = len(read) + len(key)
        for combination in set(combinations):
            row = dict(zip(read_names, combination, strict=True))  # the columns read, then the key
            row.update(zip(key, repeat(None)))
            if check(row, as_of) or len(row) != width:  # a problem, or a column it made up
                return None
            if not all(map(is_, row.values(), combination)):  # the rule filled in a value
                for at, name, before in zip(read, read_names, combination, strict=True):
                    if row[name] is not before:
                        filled.setdefault(at, {})[combination] = stored_value(row[name])
        for at, fills in filled.items():
            stored[at] = list(map(fills.get, combinations, stored[at]))
        return stored


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
