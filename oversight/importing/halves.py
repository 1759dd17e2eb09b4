"""The rest of a row in two halves: what the fast path of an import numbers, parses and checks.

A weekly case extract's rows repeat but for their key, and less so as a year of edits makes
them varied: 27,000 distinct rests of a row in the first week of a year, 324,000 in its last
(the day an incident was recorded, times the day it was reviewed). Each half of the rest (its
first cells, then the others) is far less varied, a few thousand each; so each distinct half is
numbered, parsed and stored once, and a row is kept as its key and the numbers of its two
halves, as one integer (``first << SHIFT | second``). The rule across columns alone reads both
halves: it runs on each distinct pair the rows hold, a column at a time (``Kind.vouch``) or
once for each distinct combination of what it reads; a value it fills in must follow from its
own half (as a blank review status follows from the needs_review beside it), or the file goes
to the exact path, as it does at any other doubt.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date
from itertools import count, repeat
from operator import and_, itemgetter, rshift

from oversight.importing.columns import Cells, ColumnReader, transposed
from oversight.importing.kind import Column, Kind, no_rule
from oversight.values import is_blank

SHIFT = 20  # bits of a row's number for its second half
MASK = (1 << SHIFT) - 1
# Distinct halves held in memory, each: past this the file goes to the exact path.
MAX_DISTINCT = 600_000
MAX_DISTINCT_CHARS = 48 << 20  # and all of them together
CHUNK = 32_768  # distinct halves parsed together


class Doubt(Exception):
    """The fast path cannot vouch for this file."""


class _Numbered(dict[str, int]):
    """Each distinct text, numbered as it is first seen."""

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0

    def __missing__(self, text: str) -> int:
        number = len(self)
        self.chars += len(text)
        if number >= MAX_DISTINCT or self.chars > MAX_DISTINCT_CHARS:
            raise Doubt  # too many to hold in memory: the exact path
        self[text] = number
        return number


class Halves(dict[str, int]):
    """The rests of a file's rows (``cells`` cells joined by ``separator``, a line end after
    the last), each numbered by its two halves as it is first seen."""

    def __init__(self, cells: int, separator: str) -> None:
        super().__init__()
        self.cells, self.separator = cells, separator
        self.first_cells = cells // 2
        # The first half of a rest: its first cells, each with the separator after it (fewer in
        # a short row, which the first half's count of separators then tells).
        escaped = re.escape(separator)
        self._first = re.compile(f"(?:[^{escaped}]*{escaped}){{0,{self.first_cells}}}")
        self.first: dict[str, int] = _Numbered()
        self.second: dict[str, int] = _Numbered()
        self.chars = 0
        # How a rest's number follows its key in a batch's JSON object, '":7,"', kept for a
        # rest that repeats.
        self.follows: dict[int, str] = {}

    def __missing__(self, text: str) -> int:
        self.chars += len(text)
        if len(self) >= MAX_DISTINCT or self.chars > MAX_DISTINCT_CHARS:
            raise Doubt  # too many to hold in memory: the exact path
        end = self._first.match(text).end()  # type: ignore[union-attr]
        number = self[text] = self.first[text[:end]] << SHIFT | self.second[text[end:]]
        self.follows[number] = f'":{number},"'
        return number

    @property
    def pairs(self) -> set[int]:
        """The numbers of the distinct rests: each the pair of its halves' numbers."""
        return set(self.values())

    def store(
        self,
        conn: sqlite3.Connection,
        tables: tuple[str, str],
        kind: Kind,
        rest: list[tuple[Column, int | None]],
        as_of: date,
    ) -> None:
        """Each distinct half parsed and stored once into its table (``tables``: the first's,
        the second's), exactly as the row-by-row path parses a row's cells, and the rule across
        columns run on every pair the rows hold; or a :class:`Doubt`.

        ``rest``: the columns but the key, each with its cell's place among the rest's cells
        (None: the file lacks it, and the second half holds it, blank)."""
        reader, separator = ColumnReader(kind, as_of), self.separator
        firsts, seconds = list(self.first), list(self.second)
        in_first = [c for c, p in rest if p is not None and p < self.first_cells]
        in_second = [c for c, p in rest if p is None or p >= self.first_cells]
        where = {c.name: p for c, p in rest}
        if set(map(str.count, firsts, repeat(separator))) - {self.first_cells}:
            raise Doubt  # a short row: the exact path reads its missing cells as blank

        def first_half(texts: list[str]) -> list[Cells]:
            split = list(map(str.split, texts, repeat(separator), repeat(self.first_cells)))
            return _columns(transposed(split, self.first_cells + 1), in_first, where, 0)

        def second_half(texts: list[str]) -> list[Cells]:
            return _columns(self._second_cells(texts), in_second, where, self.first_cells)

        parsed_first = _parsed(reader, firsts, first_half, in_first)
        parsed_second = _parsed(reader, seconds, second_half, in_second)
        self._refuse_blank_rests(firsts, seconds)
        stored = self._ruled(reader, (in_first, in_second), (parsed_first, parsed_second))
        counts = (len(firsts), len(seconds))
        for table, columns, values, rows in zip(
            tables, (in_first, in_second), stored, counts, strict=True
        ):
            names = [c.name for c in columns]
            conn.execute(
                f"CREATE TABLE {table} (rest_id INTEGER PRIMARY KEY"
                + "".join(f", {n}" for n in names)
                + ")"
            )
            conn.executemany(
                f"INSERT INTO {table} VALUES ({', '.join('?' * (len(names) + 1))})",
                zip(range(rows), *values, strict=True),
            )

    def _second_cells(self, seconds: list[str]) -> list[Sequence[object]]:
        """The cells of each second half: with its line end taken off; blank cells after the
        header's are no cells, and a short row's missing cells are blank (None)."""
        wanted = self.cells - self.first_cells
        split = list(
            map(str.split, map(str.rstrip, seconds, repeat("\r\n")), repeat(self.separator))
        )
        cells = transposed(split, wanted)
        if cells is None:
            if any(not is_blank(c) for row in split for c in row[wanted:]):
                raise Doubt  # more cells than the header
            padding = [None] * wanted
            cells = transposed([(row + padding)[:wanted] for row in split], wanted)
            assert cells is not None
        return cells

    def _refuse_blank_rests(self, firsts: list[str], seconds: list[str]) -> None:
        """A key with nothing after it is a problem for the exact path to name."""
        blank_firsts = _blank(firsts, self.separator)
        blank_seconds = _blank(seconds, self.separator)
        if blank_firsts and blank_seconds:
            for number in self.pairs:
                if number >> SHIFT in blank_firsts and number & MASK in blank_seconds:
                    raise Doubt

    def _ruled(
        self,
        reader: ColumnReader,
        columns: tuple[list[Column], list[Column]],
        parsed: tuple[tuple[list[list[object]], list[list[object]]], ...],
    ) -> tuple[list[list[object]], list[list[object]]]:
        """Each half's stored values once the rule has run on every pair of halves the rows
        hold, with any value it fills in. The rule reads some columns only: each half is taken
        as what it holds of them (its projection), and the rule runs once on each distinct
        pair of projections. A value filled in that its own half does not decide (two rows
        with one half, one filled and one not) is a doubt."""
        stored_halves = (parsed[0][1], parsed[1][1])
        if reader.kind.check is no_rule:
            return stored_halves
        reads = reader.kind.check_reads or [c.name for c in reader.kind.columns]
        placed = [
            (column.name, half, p)
            for half, of_half in enumerate(columns)
            for p, column in enumerate(of_half)
            if column.name in reads
        ]
        ruled_halves = {half for _, half, _ in placed}
        if len(ruled_halves) == 1:  # the rule reads one half only: each of its halves once
            (half,) = ruled_halves
            stored = [parsed[half][1][p] for _, _, p in placed]
            ruled = reader.rule(
                [name for name, _, _ in placed], [parsed[half][0][p] for _, _, p in placed], stored
            )
            if ruled is None:
                raise Doubt
            for (_, _, p), after in zip(placed, ruled, strict=True):
                stored_halves[half][p] = after
            return stored_halves
        # Each half's projection, numbered; and a half that has each.
        projection: list[list[int]] = []
        having: list[dict[int, int]] = []
        for half, numbered in enumerate((self.first, self.second)):
            read = [parsed[half][0][p] for _, h, p in placed if h == half]
            keys = list(zip(*read, strict=True)) if read else [()] * len(numbered)
            ids: dict[tuple[object, ...], int] = {}
            projection.append(list(map(ids.setdefault, keys, count())))
            having.append(dict(zip(projection[half], range(len(keys)), strict=True)))
        pairs = list(self.pairs)
        projected = list(
            set(
                zip(
                    map(projection[0].__getitem__, map(rshift, pairs, repeat(SHIFT))),
                    map(projection[1].__getitem__, map(and_, pairs, repeat(MASK))),
                    strict=True,
                )
            )
        )
        ids_of = [list(map(itemgetter(half), projected)) for half in (0, 1)]
        halves_of = [list(map(having[half].__getitem__, ids_of[half])) for half in (0, 1)]
        values, stored = (
            [list(map(parsed[h][which][p].__getitem__, halves_of[h])) for _, h, p in placed]
            for which in (0, 1)
        )
        ruled = reader.rule([name for name, _, _ in placed], values, stored)
        if ruled is None:
            raise Doubt
        for (_, half, p), before, after in zip(placed, stored, ruled, strict=True):
            if after is before:
                continue
            given = dict(zip(ids_of[half], after, strict=True))
            if len(given) != len(set(zip(ids_of[half], after, strict=True))):
                raise Doubt
            column = stored_halves[half][p]
            stored_halves[half][p] = list(map(given.get, projection[half], column))
        return stored_halves


def _parsed(
    reader: ColumnReader,
    texts: list[str],
    cells_of: Callable[[list[str]], list[Cells]],
    columns: list[Column],
) -> tuple[list[list[object]], list[list[object]]]:
    """The values and stored values of ``columns`` in each of ``texts`` (the distinct halves of
    one side), a chunk at a time: the cells split out of them are bulky."""
    values: list[list[object]] = [[] for _ in columns]
    stored: list[list[object]] = [[] for _ in columns]
    for start in range(0, len(texts), CHUNK):
        parsed = reader.parse(cells_of(texts[start : start + CHUNK]), columns)
        if parsed is None:
            raise Doubt
        for into, got in zip((*values, *stored), (*parsed[0], *parsed[1]), strict=True):
            into += got
    return values, stored


def _columns(
    cells: Sequence[Cells] | None, columns: list[Column], where: dict[str, int | None], first: int
) -> list[Cells]:
    """The cells of each of ``columns`` among a half's cells (``first``: where it starts among
    the rest's), blank for a column the file lacks."""
    if cells is None:
        raise Doubt
    count = len(cells[0]) if cells else 0
    return [
        cells[where[c.name] - first] if where[c.name] is not None else [None] * count  # type: ignore[operator]
        for c in columns
    ]


def _blank(texts: list[str], separator: str) -> set[int]:
    """The numbers of the texts that hold nothing but separators and spaces."""
    stripped = map(str.strip, map(str.replace, texts, repeat(separator), repeat("")))
    return {n for n, text in enumerate(stripped) if not text}


def rest_columns(
    conn: sqlite3.Connection, tables: tuple[str, str], names: Sequence[str], rows: str
) -> tuple[list[str], str]:
    """Each of ``names`` as SQL reading it from the half that holds it, and the joins of the
    two halves' tables to ``rows`` (an alias of a table with a ``rest`` column)."""
    first = tables[0].split(".", 1)[1]
    held = {row[1] for row in conn.execute(f"PRAGMA temp.table_info({first})")}
    columns = [f"h1.{n}" if n in held else f"h2.{n}" for n in names]
    joins = (
        f"LEFT JOIN {tables[0]} h1 ON h1.rest_id = ({rows}.rest >> {SHIFT}) "
        f"LEFT JOIN {tables[1]} h2 ON h2.rest_id = ({rows}.rest & {MASK})"
    )
    return columns, joins
