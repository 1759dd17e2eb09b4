"""What a kind of extract is: its columns, key, rules, table, and how its files are imported.

The kinds themselves are declared in :mod:`oversight.importing.kinds`; this module holds only
the shape of a declaration, so that the importers can take a ``Kind`` without importing the
registry that names them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from oversight.extracts.limits import Extract, Progress
    from oversight.figures.integrity import FindingCount
    from oversight.importing.result import ImportResult
    from oversight.store import Store

Row = dict[str, object]
# A cross-column rule returns (column, problem) pairs; the extract's as-of date bounds past events.
RowCheck = Callable[[Row, date], list[tuple[str, str]]]


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[object], object]
    required: bool = False
    # The name in a file's header, when it is not the stored name (one SQL reserves: "to").
    header: str | None = None
    # What a file without the column is said to lack (columns sharing it are named once).
    absent: str | None = None
    # Many distinct cells parsed at once, in C, for a column of mostly distinct cells (times of
    # day, references): their values in order, exactly as ``parse`` gives them; or None when
    # any is not in the one form it vouches for, and ``parse`` takes each in turn.
    parse_many: Callable[[list[str]], list[object] | None] | None = None

    @property
    def heading(self) -> str:
        """How the file names it, and problems name it."""
        return self.header or self.name


class Importer(Protocol):
    """Reads the file at ``path`` as a ``kind`` and writes all of it or none of it."""

    def __call__(
        self,
        store: Store,
        kind: Kind,
        path: Path,
        *,
        extract_as_of: date,
        imported_by: str,
        imported_at: object,
        sheet: str | None = None,
        progress: Progress | None = None,
        scope: str = "all",
    ) -> ImportResult: ...


def no_rule(row: Row, as_of: date) -> list[tuple[str, str]]:
    """A kind whose rows have no rule across their columns."""
    return []


class FastPath(Enum):
    """How a valid file may reach what the exact path stores, sooner (each a :class:`Stage`)."""

    # Each distinct rest of a row once (oversight.importing.bulk): big extracts whose rows
    # repeat but for their key, as weekly case extracts do.
    BY_RESTS = "rests"
    # A column at a time, the rows staged as they are (oversight.importing.columnar): rows all
    # distinct, as hospital attendances are (each its own minute of arrival).
    BY_COLUMNS = "columns"


class Stage(Protocol):
    """A fast path: stages every row of ``extract`` as the exact path would and returns how
    many; or stages nothing and returns None when the exact path must decide (a doubt).
    ``staging`` is empty on entry; ``positions`` place the kind's columns in the file's."""

    def __call__(
        self,
        conn: sqlite3.Connection,
        kind: Kind,
        staging: str,
        extract: Extract,
        positions: list[int | None],
        as_of: date,
    ) -> int | None: ...


@dataclass(frozen=True)
class Kind:
    name: str  # as typed: oversight import NAME FILE
    label: str  # what its rows are, in the plural, for freshness lines: "case reviews"
    noun: str  # what one row is, for messages: "case review"
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # How a file of this kind is read and written: validated CSV/XLSX rows merged into
    # ``table`` (oversight.importing.tabular), or a format of its own (recorded crime).
    importer: Importer
    # The rule across a row's columns; it never reads the key, so that it can be run once for
    # each distinct rest of a row (oversight.importing.columns).
    check: RowCheck = no_rule
    # The columns ``check`` reads, when not all but the key: it is run once for each distinct
    # combination of them, on a row holding only them (a column it reads but is not named
    # here is a KeyError, not a silent None).
    check_reads: tuple[str, ...] = ()
    # Given each column's parsed values for many rows, True when ``check`` surely finds no
    # problem in any of them, a column given a new list of values where it would fill any in:
    # checked a column at a time, in C, rather than a row at a time. False: row by row. Held to
    # ``check`` by a test (tests/test_vouch.py).
    vouch: Callable[[dict[str, list[object]], date], bool] | None = None
    # Run inside the import's transaction once rows changed: totals kept beside the rows are
    # moved by (conn, import id, the rows added or changed as they are now, the versions they
    # replaced); each row of those two carries a ``weight``, how many rows it stands for (the
    # fast path passes each distinct row once, weighted by its count).
    after_write: Callable[[sqlite3.Connection, int, str, str], None] | None = None
    # Run inside the import's transaction before rows change: what the extract loses or
    # changes against the store (conn, staging, the rows that differ, import id, scope).
    reconcile: Callable[[sqlite3.Connection, str, str, int, str], list[FindingCount]] | None = None
    # The fast path a valid file may take to what the exact one stores (None: row by row).
    fast_path: FastPath | None = None
    # What a row of ``table`` is, where counted ("status": "recorded crime: 29" is 29 crimes
    # to anyone who does not know the table holds month files); blank: ``label``.
    rows_are: str = ""
    # Days after which its latest extract is stale, when not the setting STALE_AFTER_DAYS (a
    # weekly one): a kind extracted monthly has its own.
    stale_after_days: int | None = None
    # Whether its extracts are stale by their age at all: recorded crime is published monthly,
    # its freshness judged by the not_published finding instead.
    judged_by_age: bool = True

    @property
    def row_label(self) -> str:
        return self.rows_are or self.label

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def headings(self) -> tuple[str, ...]:
        """The columns as a file's header names them."""
        return tuple(c.heading for c in self.columns)
