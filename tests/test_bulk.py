"""The fast path of an import (oversight.importing.bulk) decides nothing of its own: for any
file, what it stores, and what is refused and why, is what the row-by-row path stores and
refuses."""

from __future__ import annotations

import csv
import random
import tempfile
from datetime import date, datetime
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oversight.clock import LONDON
from oversight.importing import bulk, columnar, columns, halves
from oversight.importing.kinds import KINDS, import_extract
from oversight.store import open_store
from tests.support.data import CASE_HEADER, assert_totals_are_a_recount
from tests.support.imports import import_outcome, staged_by_fast_path
from tests.support.violence import ISTV_HEADER

AS_OF = date(2020, 6, 30)

# Cells as exports spell them, good and bad, including what only the exact path can judge.
WORKSTREAM = ["DA", "da", "Domestic abuse", "CP", "child_protection", " DA ", "Burglary", ""]
DAY = [
    *("2019-07-01", "01/07/2019", "1/7/2019", "2020-06-30", "2020-07-01", "31/02/2019"),
    *("2019-07-01 00:00", "2019-07-01T00:00:00.000", "2019-07-1", " 2019-07-02", "", "x"),
]
YES_NO = ["yes", "Y", "no", "N", "TRUE", "0", "", " yes", "maybe", "\u00a0"]
STATUS = ["outstanding", "In progress", "reviewed", "not_required", "", "Reviewed", "done"]
REF = ["A1", "A2", "A3", "B1", " A4", "A5 ", "É6", "A7\u00a0", "", "=1", "A\\8", "C\t1", "日本9"]


@st.composite
def row(draw: st.DrawFn) -> list[str]:
    cells = [
        draw(st.sampled_from(REF)),
        draw(st.sampled_from(WORKSTREAM)),
        draw(st.sampled_from(DAY)),
        draw(st.sampled_from(YES_NO)),
        draw(st.sampled_from(STATUS)),
        draw(st.sampled_from(DAY)),
        draw(st.sampled_from(YES_NO)),
        draw(st.sampled_from(YES_NO)),
        draw(st.sampled_from(YES_NO)),
    ]
    shape = draw(st.sampled_from(["whole", "whole", "whole", "short", "long", "blank"]))
    if shape == "short":
        return cells[:6]
    if shape == "long":
        return [*cells, draw(st.sampled_from(["", " ", "extra"]))]
    if shape == "blank":
        return [""] * len(cells)
    return cells


def write(path: Path, rows: list[list[str]], line_end: str = "\n") -> Path:
    lines = [",".join(CASE_HEADER), *(",".join(r) for r in rows)]
    path.write_bytes((line_end.join(lines) + line_end).encode("utf-8"))
    return path


@pytest.mark.slow  # a long hypothesis run
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(row(), min_size=1, max_size=12), line_end=st.sampled_from(["\n", "\r\n"]))
def test_the_fast_path_stores_and_refuses_exactly_what_the_exact_path_does(
    rows, line_end, monkeypatch
):
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "cases.csv", rows, line_end)
        assert import_outcome(path, True, as_of=AS_OF) == import_outcome(path, False, as_of=AS_OF)


# A hospital extract's cells (ISTV), good and bad: every row distinct, read a column at a time.
ATTENDANCE = ["ED1", "ED2", "ED 3", "ED  4", " ED5", "ED6\u00a0", "", "E" * 81, "ED7", "ED8"]
DEPARTMENT = ["Royal", "royal  infirmary", "Walk-in, centre", "", "D" * 81]
MOMENT = [
    *("2020-01-31 22:15", "2020-01-31 21:00", "2020-06-30 23:59", "2020-01-31T22:15:00"),
    *("31/01/2020 22:15", "2020-1-31 22:15", "2020-02-30 22:15", "2020-01-31 24:00"),
    *("2020-07-01 00:00", " 2020-01-31 22:15", "2020-01-31 22:60", "2020-01-31 22:15\u00a0"),
    *("\u0662020-01-31 22:15", ""),
]
LOCATION = ["Park", "", "  pub ,bar ", "line\nbreak", "x" * 201, "Outside the Crown"]
MEANS = ["knife", "Fist", "unknown", "", "spoon", "GLASS"]


@st.composite
def attendance(draw: st.DrawFn) -> list[str]:
    cells = [
        draw(st.sampled_from(ATTENDANCE)),
        draw(st.sampled_from(DEPARTMENT)),
        draw(st.sampled_from(MOMENT)),
        draw(st.sampled_from(MOMENT)),
        draw(st.sampled_from(LOCATION)),
        draw(st.sampled_from(MEANS)),
        draw(st.sampled_from(["18-24", "", " 25-34 "])),
        draw(st.sampled_from(["M", "F", ""])),
    ]
    shape = draw(st.sampled_from(["whole", "whole", "whole", "short", "long"]))
    return cells[:5] if shape == "short" else [*cells, "extra"] if shape == "long" else cells


def key_as_stored(row: list[str]) -> str:
    return " ".join(row[0].split())


@st.composite
def valid_attendance(draw: st.DrawFn) -> list[str]:
    """A row the exact path stores, but now and then for an incident after its arrival (the rule
    across columns): blank incident times and spaced labels among them."""
    arrived = draw(st.sampled_from(["2020-01-31 22:15", "2020-06-30 23:59", "31/01/2020 22:15"]))
    incident = draw(
        st.sampled_from(["", "", "2020-01-31 21:00", "2020-01-01 00:00", "2020-06-30 23:59"])
    )
    return [
        draw(st.sampled_from(["ED1", "ED2", " ED3", "ED 4", "ED5", "ED6", "ED7", "ED8"])),
        draw(st.sampled_from(["Royal", "royal  infirmary", " Walk-in "])),
        arrived,
        incident,
        draw(st.sampled_from(["Park", "", "  pub bar ", "Outside the Crown"])),
        draw(st.sampled_from(["knife", "Fist", "unknown", "GLASS"])),
        draw(st.sampled_from(["18-24", "", " 25-34 "])),
        draw(st.sampled_from(["M", "F", ""])),
    ]


@pytest.mark.slow  # a long hypothesis run
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.one_of(
        st.lists(attendance(), min_size=1, max_size=12),
        st.lists(valid_attendance(), min_size=1, max_size=8, unique_by=key_as_stored),
    ),
    line_end=st.sampled_from(["\r\n", "\n"]),
    whole_min=st.sampled_from([1, columns.WHOLE_MIN]),
)
def test_a_hospital_extract_is_stored_or_refused_on_the_fast_path_as_on_the_exact_one(
    rows, line_end, whole_min
):
    # whole_min 1: every column with a parse of many cells at once is parsed whole, as in a
    # big extract, rather than a cell at a time.
    with tempfile.TemporaryDirectory() as folder, patch.object(columns, "WHOLE_MIN", whole_min):
        path = Path(folder) / "assaults.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            csv.writer(file, lineterminator=line_end).writerows([ISTV_HEADER, *rows])
        fast = import_outcome(path, True, as_of=AS_OF, kind="assaults")
        assert fast == import_outcome(path, False, as_of=AS_OF, kind="assaults")


def test_a_valid_hospital_extract_takes_the_fast_path(tmp_path, monkeypatch):
    rows = [
        ["ED1", "Royal", "2020-01-31 22:15", "2020-01-31 21:00", "Park", "knife", "18-24", "M"],
        ["ED2", "Royal", "2020-06-30 23:59", "", "", "Fist", "", ""],
        ["ED3", "Walk-in", "2020-06-30 23:59", "2020-06-30 23:59", "Pub", "glass", "", "F"],
    ]
    path = tmp_path / "assaults.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([ISTV_HEADER, *rows])
    staged = staged_by_fast_path(monkeypatch)
    kind, held = import_outcome(path, True, as_of=AS_OF, kind="assaults")
    assert staged == [3] and kind == "stored"
    assert [r[:4] for r in sorted(held["assaults"])] == [
        ("ED1", "Royal", "2020-01-31 22:15", "2020-01-31 21:00"),
        ("ED2", "Royal", "2020-06-30 23:59", None),
        ("ED3", "Walk-in", "2020-06-30 23:59", "2020-06-30 23:59"),
    ]


def big_hospital_extract(path: Path, rows: int, line_end: str, late: list[str] | None = None):
    """``rows`` valid attendances (every ninth with no incident time), and ``late`` last."""
    rng = random.Random(rows)
    body = []
    for n in range(rows):
        arrived = f"2020-0{1 + n % 6}-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}"
        incident = "" if n % 9 == 0 else arrived[:-2] + "00"
        place = rng.choice(["Park", "Street", "Pub / bar", ""])
        means = rng.choice(["knife", "Fist", "unknown", "GLASS", "bat"])
        body.append([f"ED{n:06d}", f"Dept {n % 5}", arrived, incident, place, means, "", "M"])
    with path.open("w", newline="", encoding="utf-8") as file:
        table = [ISTV_HEADER, *body, *([late] if late else [])]
        csv.writer(file, lineterminator=line_end).writerows(table)
    return path


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
@pytest.mark.parametrize(
    "late",
    [
        None,
        ["ED000001", "Dept 1", "2020-03-01 10:00", "", "", "knife", "", ""],  # a key given twice
        ["ED999999", "Dept 1", "2020-03-01 10:00", "2020-03-01 11:00", "", "knife", "", ""],
        ["ED999999", "Dept 1", "2020-02-30 10:00", "", "", "knife", "", ""],
        ["ED999999", "Dept 1", "2020-03-01 10:00", "", "", "", "", ""],  # means required
    ],
)
def test_a_big_hospital_extract_is_read_a_column_at_a_time_as_the_exact_path_reads_it(
    tmp_path, monkeypatch, line_end, late
):
    # Batches of more rows than columns parsed whole need, and more than one of them: the
    # columnar path as a real extract takes it, a bad row (when given) in the last batch.
    monkeypatch.setattr(bulk, "BATCH", 2 * columns.WHOLE_MIN)
    rows = 2 * bulk.BATCH + 7
    path = big_hospital_extract(tmp_path / "assaults.csv", rows, line_end, late)
    staged = staged_by_fast_path(monkeypatch)
    fast = import_outcome(path, True, as_of=AS_OF, kind="assaults")
    assert staged == [rows if late is None else None]
    assert fast == import_outcome(path, False, as_of=AS_OF, kind="assaults")
    assert fast[0] == ("stored" if late is None else "refused")


@pytest.mark.parametrize(
    ("after", "read_by_columns"),
    [
        ("\n\n", True),
        ("\r\n  \r\n", True),
        ("\n\nED999999,Dept 1,2020-03-01 10:00,,,knife,,\n", False),
    ],
)
def test_blank_lines_ending_a_hospital_extract_are_no_rows_and_rows_after_them_go_exact(
    tmp_path, monkeypatch, after, read_by_columns
):
    monkeypatch.setattr(bulk, "BATCH", 2 * columns.WHOLE_MIN)
    path = big_hospital_extract(tmp_path / "assaults.csv", 3 * bulk.BATCH - 1, "\n")
    path.write_bytes(path.read_bytes() + after.encode())
    staged = staged_by_fast_path(monkeypatch)
    fast = import_outcome(path, True, as_of=AS_OF, kind="assaults")
    assert staged == [3 * bulk.BATCH - 1 if read_by_columns else None]
    assert fast == import_outcome(path, False, as_of=AS_OF, kind="assaults")
    assert fast[0] == "stored"


def test_a_hospital_extract_of_more_keys_than_are_held_goes_to_the_exact_path(
    tmp_path, monkeypatch
):
    path = big_hospital_extract(tmp_path / "assaults.csv", 30, "\n")
    monkeypatch.setattr(columnar, "MAX_KEYS", 29)
    staged = staged_by_fast_path(monkeypatch)
    kind, held = import_outcome(path, True, as_of=AS_OF, kind="assaults")
    assert staged == [None] and kind == "stored" and len(held["assaults"]) == 30


GOOD = [
    ["A1", "DA", "01/07/2019", "yes", "reviewed", "2020-06-01", "Y", "N", ""],
    ["A2", "cp", "2019-07-02", "no", "", "", "", "", ""],
    ["A3", "Domestic abuse", "2019-07-03", "Yes", "In progress", "", "", "", ""],
]


def test_a_plain_valid_file_takes_the_fast_path(tmp_path, monkeypatch):
    path = write(tmp_path / "cases.csv", GOOD)
    staged = []
    real = bulk.stage
    monkeypatch.setattr(bulk, "stage", lambda *a: staged.append(real(*a)) or staged[-1])
    kind, stored = import_outcome(path, True, as_of=AS_OF)
    assert kind == "stored" and len(stored["case_reviews"]) == 3
    assert staged == [3]  # the fast path vouched for all three rows


@pytest.mark.parametrize(
    "cells",
    [
        ["A1", "DA", "31/02/2019", "yes", "outstanding", "", "", "", ""],  # not a date
        ["A1 ", "DA", "2019-07-01", "yes", "outstanding", "", "", "", ""],  # a key given twice
        [
            "\u00a0A9",
            "DA",
            "2019-07-01",
            "yes",
            "outstanding",
            "",
            "",
            "",
            "",
        ],  # a space beyond ASCII
        ["A9\u2003", "DA", "2019-07-01", "yes", "outstanding", "", "", "", ""],  # trimmed too
        ["", "DA", "2019-07-01", "yes", "outstanding", "", "", "", ""],  # a blank key
        ["A9", "DA", "2019-07-01", "yes", "outstanding", "", "", "", "", "x"],  # a long row
        ["A9", "DA", "2019-07-01", "yes"],  # a short row missing a required cell
    ],
)
def test_any_doubt_leaves_the_file_to_the_exact_path(tmp_path, monkeypatch, cells):
    path = write(tmp_path / "cases.csv", [*GOOD, cells])
    staged = []
    real = bulk.stage
    monkeypatch.setattr(bulk, "stage", lambda *a: staged.append(real(*a)) or staged[-1])
    import_outcome(path, True, as_of=AS_OF)
    assert staged == [None]


def test_a_quoted_file_reads_on_the_fast_path_when_every_row_is_one_line(tmp_path, monkeypatch):
    text = ",".join(CASE_HEADER) + '\n"A1","DA","2019-07-01","yes","outstanding",,,,\n'
    (tmp_path / "q.csv").write_text(text, encoding="utf-8")
    staged = []
    real = bulk.stage
    monkeypatch.setattr(bulk, "stage", lambda *a: staged.append(real(*a)) or staged[-1])
    assert import_outcome(tmp_path / "q.csv", True, as_of=AS_OF)[0] == "stored"
    assert staged == [1]


# Keys SQLite's JSON could not take as they are (a backslash, a tab), beyond ASCII, or both.
ODD_KEYS = ["A\\1", "B\t2", "日本3", "É4", "D€5", "E😀6", "F 7", "=8"]


def test_keys_of_any_characters_are_stored_as_the_exact_path_stores_them(tmp_path, monkeypatch):
    rows = [[key, *GOOD[n % 3][1:]] for n, key in enumerate(ODD_KEYS)]
    path = write(tmp_path / "cases.csv", rows)
    staged = staged_by_fast_path(monkeypatch)
    fast = import_outcome(path, True, as_of=AS_OF)
    assert staged == [len(ODD_KEYS)]  # the fast path vouched for every row
    assert fast == import_outcome(path, False, as_of=AS_OF)
    assert [row[0] for row in fast[1]["case_reviews"]] == sorted(ODD_KEYS)


def test_a_quoted_key_holding_a_quote_is_stored_as_the_exact_path_stores_it(tmp_path, monkeypatch):
    path = tmp_path / "q.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CASE_HEADER)
        writer.writerows([['A"1', *GOOD[0][1:]], ["A,2", *GOOD[1][1:]], ["A3", *GOOD[2][1:]]])
    staged = staged_by_fast_path(monkeypatch)
    fast = import_outcome(path, True, as_of=AS_OF)
    assert staged == [3]
    assert fast == import_outcome(path, False, as_of=AS_OF)
    assert [row[0] for row in fast[1]["case_reviews"]] == ['A"1', "A,2", "A3"]


@pytest.mark.parametrize("batch", [bulk.BATCH, 2])
def test_a_key_given_twice_in_a_batch_or_across_batches_is_left_to_the_exact_path(
    tmp_path, monkeypatch, batch
):
    monkeypatch.setattr(bulk, "BATCH", batch)
    monkeypatch.setattr(bulk, "_PIECE", 1)
    rows = [*GOOD, ["B1", *GOOD[0][1:]], ["A1", *GOOD[1][1:]]]  # A1 again, on line 6
    path = write(tmp_path / "cases.csv", rows)
    staged = staged_by_fast_path(monkeypatch)
    kind, (_, details) = import_outcome(path, True, as_of=AS_OF)
    assert staged == [None]
    assert kind == "refused"
    assert details == ['line 6, incident_ref: "A1" appears more than once (first on line 2)']


def test_blank_lines_and_rows_of_blank_cells_are_no_rows_on_the_fast_path(tmp_path, monkeypatch):
    lines = [",".join(CASE_HEADER), ",".join(GOOD[0]), "", ",,,,,,,,", " , ,,,,,,,\t"]
    lines += [",".join(GOOD[1]), "   ", ",".join(GOOD[2])]
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged = staged_by_fast_path(monkeypatch)
    fast = import_outcome(path, True, as_of=AS_OF)
    assert staged == [3]
    assert fast == import_outcome(path, False, as_of=AS_OF)
    assert [row[0] for row in fast[1]["case_reviews"]] == ["A1", "A2", "A3"]


def test_too_many_distinct_rests_are_left_to_the_exact_path(tmp_path, monkeypatch):
    path = write(tmp_path / "cases.csv", GOOD)  # three distinct rests
    monkeypatch.setattr(halves, "MAX_DISTINCT", 2)
    staged = staged_by_fast_path(monkeypatch)
    fast = import_outcome(path, True, as_of=AS_OF)
    assert staged == [None]
    assert fast[0] == "stored" and len(fast[1]["case_reviews"]) == 3


def weekly_rows(week: int, refs: range) -> list[list[str]]:
    """A week's extract: the same references as the week before, bar a few; some reviews done."""
    rows = []
    for n in refs:
        if (n + week) % 7 == 0:
            continue  # not in this week's extract
        ws = "DA" if n % 3 else "CP"
        day = f"2019-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
        if (n + week) % 5 == 0:
            rows.append([f"R{n:04d}", ws, day, "yes", "reviewed", "2020-06-01", "yes", "yes", "no"])
        elif n % 4:
            rows.append([f"R{n:04d}", ws, day, "yes", "outstanding", "", "", "", ""])
        else:
            rows.append([f"R{n:04d}", ws, day, "no", "", "", "", "", ""])
    return rows


def import_series(
    paths: list[Path], fast: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[tuple[int, int, int, int]], dict[str, list[tuple]]]:
    """Each extract imported in turn into one new store, by the fast path (where it can) or by
    the exact path alone: each import's counts, then what the store holds."""
    counts = []
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(bulk, "stage", lambda *a: None)
        with (
            tempfile.TemporaryDirectory() as folder,
            open_store(Path(folder) / "o.db", create=True) as store,
        ):
            for n, path in enumerate(paths):
                result = import_extract(
                    store,
                    KINDS["cases"],
                    path,
                    extract_as_of=AS_OF,
                    imported_by="t",
                    imported_at=datetime(2020, 7, 1 + n, tzinfo=LONDON),
                )
                counts.append((result.inserted, result.updated, result.unchanged, result.rows_read))
                assert_totals_are_a_recount(store.conn)
            tables = {
                table: store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
                for table in ("case_reviews", "case_daily", "case_ages")
            }
            tables["import_findings"] = store.conn.execute(
                "SELECT import_id, kind, ref, workstream, old, new FROM import_findings "
                "ORDER BY 1, 2, 3"
            ).fetchall()
    return counts, tables


def test_weekly_imports_on_the_fast_path_count_and_total_what_the_exact_path_does(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(bulk, "BATCH", 50)  # many batches
    monkeypatch.setattr(bulk, "_PIECE", 16)
    weeks = [weekly_rows(week, range(300 + 40 * week)) for week in range(3)]
    paths = [write(tmp_path / f"week{n}.csv", rows) for n, rows in enumerate(weeks)]
    staged = staged_by_fast_path(monkeypatch)
    fast = import_series(paths, True, monkeypatch)
    assert staged == [len(rows) for rows in weeks]  # each week took the fast path
    assert fast == import_series(paths, False, monkeypatch)
    # The counts, against what changed from one week to the next, counted here.
    held: dict[str, tuple] = {}
    for (inserted, updated, unchanged, rows_read), rows in zip(fast[0], weeks, strict=True):
        this_week = {row[0]: tuple(row[1:]) for row in rows}
        assert rows_read == len(rows)
        assert inserted == len(this_week.keys() - held.keys())
        assert updated == sum(1 for k, v in this_week.items() if k in held and held[k] != v)
        assert unchanged == sum(1 for k, v in this_week.items() if held.get(k) == v)
        held.update(this_week)
    assert len(fast[1]["case_reviews"]) == len(held)  # nothing is ever deleted
    assert any(finding[1] == "vanished" for finding in fast[1]["import_findings"])


def test_batches_bounded_by_characters_stage_every_row(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_CHARS", 200)  # a few lines a batch
    monkeypatch.setattr(bulk, "_PIECE", 2)
    rows = weekly_rows(0, range(100))
    path = write(tmp_path / "cases.csv", rows)
    batches = []
    real = bulk._insert
    monkeypatch.setattr(
        bulk, "_insert", lambda c, r, keys, *a: batches.append(len(keys)) or real(c, r, keys, *a)
    )
    staged = staged_by_fast_path(monkeypatch)
    fast = import_outcome(path, True, as_of=AS_OF)
    assert staged == [len(rows)]
    # 200 characters are four or five lines: a batch ends at the first piece of two past them.
    assert sum(batches) == len(rows) and max(batches) <= 6 and len(batches) > 10
    assert fast == import_outcome(path, False, as_of=AS_OF)


def test_keys_in_no_order_are_sorted_in_and_stored_as_the_exact_path_stores_them(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(bulk, "BATCH", 8)
    monkeypatch.setattr(bulk, "_PIECE", 4)
    monkeypatch.setattr(bulk, "IN_ORDER", 1)  # in order: every key after every key so far
    rows = weekly_rows(0, range(200))
    rest = rows[40:]
    random.Random(13).shuffle(rest)
    rows[40:] = rest  # the first few batches in order, then none
    path = write(tmp_path / "cases.csv", rows)
    tables = []
    real = bulk._insert
    monkeypatch.setattr(
        bulk,
        "_insert",
        lambda c, table, *a: tables.append(table.split("_")[0]) or real(c, table, *a),
    )
    staged = staged_by_fast_path(monkeypatch)
    fast = import_outcome(path, True, as_of=AS_OF)
    assert staged == [len(rows)]
    assert {"temp.raw", "temp.pending"} <= set(tables)  # both ways were taken
    assert fast == import_outcome(path, False, as_of=AS_OF)


def test_a_key_given_twice_in_order_and_out_of_it_is_left_to_the_exact_path(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH", 4)
    monkeypatch.setattr(bulk, "_PIECE", 4)
    monkeypatch.setattr(bulk, "IN_ORDER", 1)
    rows = [[f"R{n}", *GOOD[0][1:]] for n in range(1, 9)]  # R1 to R8, in order: into raw
    rows += [[f"R{n}", *GOOD[1][1:]] for n in (0, 5, 0.5, 0.25)]  # before R8: pending; R5 again
    path = write(tmp_path / "cases.csv", rows)
    staged = staged_by_fast_path(monkeypatch)
    kind, (_, details) = import_outcome(path, True, as_of=AS_OF)
    assert staged == [None]
    assert kind == "refused"
    assert details == ['line 11, incident_ref: "R5" appears more than once (first on line 6)']


def _filling_kind(fills_from: str):
    """A kind of four columns but its key whose rule fills a blank ``d`` (in the rest's second
    half) with the value of ``fills_from``."""
    from oversight.importing.kind import Column, Kind
    from oversight.values import parse_text

    def check(row, as_of):
        if row["d"] is None:
            row["d"] = row[fills_from]
        return []

    columns = tuple(Column(n, parse_text, required=n == "k") for n in ("k", "a", "b", "c", "d"))
    return Kind("filling", "fillings", "filling", "fillings", columns, ("k",), None, check)


@pytest.mark.parametrize(("fills_from", "vouched"), [("c", True), ("a", False)])
def test_a_value_the_rule_fills_in_must_follow_from_its_own_half(fills_from, vouched):
    """The rest a,b,c,d is kept as halves (a,b) and (c,d). A blank d filled from c (its own
    half) is stored on the fast path; filled from a (the other half), one second half would
    take two values, and the file is left to the exact path."""
    import sqlite3

    conn = sqlite3.connect(":memory:")
    kind = _filling_kind(fills_from)
    rests = ["x,1,p,\n", "y,1,p,\n", "x,1,q,\n", "x,1,q,z\n"]
    numbered = halves.Halves(4, ",")
    numbers = [numbered[rest] for rest in rests]
    places = [(c, n) for n, c in enumerate(kind.columns[1:])]
    tables = ("temp.first_t", "temp.second_t")
    if not vouched:
        with pytest.raises(halves.Doubt):
            numbered.store(conn, tables, kind, places, AS_OF)
        return
    numbered.store(conn, tables, kind, places, AS_OF)
    stored = [
        conn.execute(
            "SELECT a, b, c, d FROM temp.first_t f, temp.second_t s "
            "WHERE f.rest_id = ? >> ? AND s.rest_id = ? & ?",
            (n, halves.SHIFT, n, halves.MASK),
        ).fetchone()
        for n in numbers
    ]
    assert stored == [("x", "1", "p", "p"), ("y", "1", "p", "p"), ("x", "1", "q", "q"),
                      ("x", "1", "q", "z")]  # fmt: skip
