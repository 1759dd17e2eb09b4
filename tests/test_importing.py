"""Importing extracts: validate every row, then write all of the file or none of it."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.errors import InvalidExtract, UserError
from oversight.importing import MAX_PROBLEMS, import_extract
from oversight.kinds import KINDS
from oversight.store import Store, open_store
from tests.support.data import (
    CASE_HEADER,
    DEADLINE_HEADER,
    NOW,
    RETURN_HEADER,
    TEST_NOW,
    case,
    recount_case_daily,
    stored_case_daily,
    write_csv,
)
from tests.support.processes import oversight_command

AS_OF = date(2020, 7, 1)
CASE_COLUMNS = ", ".join(CASE_HEADER)


def run_import(store: Store, kind: str, path: Path, *, as_of: date = AS_OF, **options):
    return import_extract(
        store,
        KINDS[kind],
        path,
        extract_as_of=as_of,
        imported_by=options.pop("imported_by", "analyst"),
        imported_at=NOW,
        **options,
    )


def snapshot(conn: sqlite3.Connection) -> dict[str, object]:
    """Everything the store holds: every row of every table, and the schema version."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    content: dict[str, object] = {"user_version": conn.execute("PRAGMA user_version").fetchone()}
    for table in tables:
        width = len(conn.execute(f"SELECT * FROM {table} LIMIT 0").description)
        order = ", ".join(str(n) for n in range(1, width + 1))
        content[table] = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    return content


def file_bytes(path: Path) -> dict[str, bytes | None]:
    """The database file and its write-ahead log, byte for byte."""
    wal = path.with_name(path.name + "-wal")
    return {
        "db": path.read_bytes(),
        "wal": wal.read_bytes() if wal.exists() else None,
    }


def cases_table(store: Store) -> list[tuple]:
    return store.conn.execute(
        f"SELECT {CASE_COLUMNS} FROM case_reviews ORDER BY incident_ref"
    ).fetchall()


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


FIRST_CASES = [
    case("DA-1"),
    case("DA-2", recorded_on="02/07/2019", review_status="in_progress"),
    case(
        "DA-3",
        recorded_on="2019-07-03",
        review_status="reviewed",
        reviewed_on="2019-08-01",
        ncrs_compliant="yes",
        referral_required="yes",
        referral_sent="no",
    ),
    case("CP-1", workstream="child_protection", needs_review="no", review_status=""),
    case("CP-2", workstream="cp", recorded_on="2019-07-04"),
]
FIRST_CASES_STORED = sorted(
    [
        ("CP-1", "child_protection", "2019-07-01", 0, "not_required", None, None, None, None),
        ("CP-2", "child_protection", "2019-07-04", 1, "outstanding", None, None, None, None),
        ("DA-1", "domestic_abuse", "2019-07-01", 1, "outstanding", None, None, None, None),
        ("DA-2", "domestic_abuse", "2019-07-02", 1, "in_progress", None, None, None, None),
        ("DA-3", "domestic_abuse", "2019-07-03", 1, "reviewed", "2019-08-01", 1, 1, 0),
    ]
)


@pytest.fixture
def first_import(store, tmp_path):
    """A store holding one good import of cases, returns and deadlines."""
    run_import(store, "cases", write_csv(tmp_path / "cases-1.csv", CASE_HEADER, FIRST_CASES))
    run_import(
        store,
        "returns",
        write_csv(
            tmp_path / "returns-1.csv",
            RETURN_HEADER,
            [["crime", "2019-Q3", "2019-10-31", "submitted", "2019-10-30", "on time"]],
        ),
    )
    run_import(
        store,
        "deadlines",
        write_csv(
            tmp_path / "deadlines-1.csv",
            DEADLINE_HEADER,
            [["Action plan", "2020-09-30", "HMICFRS", "DCC", "open", ""]],
        ),
    )
    return store


def assert_unchanged(store: Store, before_content: dict, before_bytes: dict) -> None:
    assert snapshot(store.conn) == before_content
    assert file_bytes(store.path) == before_bytes


# --- good files ------------------------------------------------------------------------------


def test_a_csv_of_cases_is_stored_value_by_value(store, tmp_path):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, FIRST_CASES)
    result = run_import(store, "cases", path)
    assert (result.rows_read, result.inserted, result.updated, result.unchanged) == (5, 5, 0, 0)
    assert result.not_in_file == 0
    assert not result.changed_nothing
    assert result.warnings == []
    assert cases_table(store) == FIRST_CASES_STORED
    ids = store.conn.execute("SELECT DISTINCT import_id FROM case_reviews").fetchall()
    assert ids == [(result.import_id,)]
    assert stored_case_daily(store.conn) == recount_case_daily(store.conn)
    assert stored_case_daily(store.conn)[("domestic_abuse", "2019-08-01")] == (0, 0, 1, 1, 1, 1, 0)


def test_empty_cells_are_stored_as_null_never_as_empty_text(first_import):
    conn = first_import.conn
    for table in ("case_reviews", "data_returns", "deadlines", "imports"):
        for (column,) in conn.execute(f"SELECT name FROM pragma_table_info('{table}')"):
            empty = conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ''")
            assert empty.fetchone()[0] == 0, f"{table}.{column} holds empty text"
    # Each value has the type it should: blank cells NULL, yes/no integers, dates text.
    sql_type = {type(None): "null", int: "integer", str: "text"}
    expected = [tuple(sql_type[type(value)] for value in row) for row in FIRST_CASES_STORED]
    types = ", ".join(f"typeof({c})" for c in CASE_HEADER)
    stored = conn.execute(f"SELECT {types} FROM case_reviews ORDER BY incident_ref").fetchall()
    assert stored == expected
    assert stored[2][5:] == ("null", "null", "null", "null")  # DA-1: nothing known yet
    done_on = conn.execute("SELECT typeof(done_on) FROM deadlines").fetchone()
    assert done_on == ("null",)


def test_whitespace_only_cells_are_blank_too(store, tmp_path):
    path = write_csv(
        tmp_path / "cases.csv", CASE_HEADER, [case("A", reviewed_on="   ", ncrs_compliant=" \t")]
    )
    run_import(store, "cases", path)
    row = store.conn.execute(
        "SELECT typeof(reviewed_on), typeof(ncrs_compliant) FROM case_reviews"
    ).fetchone()
    assert row == ("null", "null")


def test_an_awkward_export_imports_exactly_like_a_clean_one(tmp_path):
    clean = open_store(tmp_path / "clean.db", create=True)
    awkward = open_store(tmp_path / "awkward.db", create=True)
    try:
        run_import(clean, "cases", write_csv(tmp_path / "clean.csv", CASE_HEADER, FIRST_CASES))
        header = [
            "Incident Ref",
            "WORKSTREAM",
            "recorded-on",
            "Needs Review",
            "review status",
            "Reviewed_On",
            "NCRS-compliant",
            "referral required",
            "Referral Sent",
        ]
        rows = [
            ["DA-1", "Domestic abuse", "01/07/2019", "Y", "Outstanding", "", "", "", ""],
            ["DA-2", "DA", "2019-07-02", "TRUE", "In progress", "", "", "", ""],
            ["DA-3", "domestic-abuse", "3/7/2019", "1", "REVIEWED", "01/08/2019", "Yes", "y", "N"],
            ["CP-1", "Child protection", "2019-07-01 00:00:00", "no", "", "", "", "", ""],
            ["CP-2", "cp", "04/07/2019", "yes", "outstanding", "", "", "", ""],
        ]
        path = write_csv(
            tmp_path / "awkward.csv", header, rows, bom=True, crlf=True, trailing_blank_lines=2
        )
        result = run_import(awkward, "cases", path)
        assert result.warnings == []
        assert (result.rows_read, result.inserted) == (5, 5)
        assert cases_table(awkward) == cases_table(clean) == FIRST_CASES_STORED
        assert stored_case_daily(awkward.conn) == stored_case_daily(clean.conn)
    finally:
        clean.close()
        awkward.close()


@st.composite
def any_case(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(["yes", "y", "true", "1", "no", "n", "false", "0"]))
    return "".join(c.upper() if draw(st.booleans()) else c for c in word)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(date(1990, 1, 1), AS_OF),
            st.sampled_from(["iso", "uk", "uk-short"]),
            any_case(),
            st.sampled_from(["DA", "da", "Domestic abuse", "CP", "cp", "Child-Protection"]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_any_mix_of_date_forms_and_labels_is_stored_the_one_way(rows):
    forms = {
        "iso": lambda d: d.isoformat(),
        "uk": lambda d: d.strftime("%d/%m/%Y"),
        "uk-short": lambda d: f"{d.day}/{d.month}/{d.year}",
    }
    lines = []
    expected = []
    for n, (day, form, needs, label) in enumerate(rows):
        yes = needs.lower() in ("yes", "y", "true", "1")
        workstream = "domestic_abuse" if label.lower().startswith("d") else "child_protection"
        lines.append(case(f"R{n}", label, forms[form](day), needs, "outstanding" if yes else ""))
        expected.append((f"R{n}", workstream, day.isoformat(), int(yes)))
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "oversight.db", create=True)
        try:
            path = write_csv(Path(folder) / "cases.csv", CASE_HEADER, lines)
            result = run_import(store, "cases", path)
            stored = store.conn.execute(
                "SELECT incident_ref, workstream, recorded_on, needs_review FROM case_reviews "
                "ORDER BY incident_ref"
            ).fetchall()
        finally:
            store.close()
    assert result.inserted == len(rows)
    assert stored == sorted(expected)


def test_columns_can_come_in_any_order(store, tmp_path):
    order = [8, 3, 0, 5, 1, 7, 2, 4, 6]
    path = write_csv(
        tmp_path / "shuffled.csv",
        [CASE_HEADER[i] for i in order],
        ([row[i] for i in order] for row in FIRST_CASES),
    )
    run_import(store, "cases", path)
    assert cases_table(store) == FIRST_CASES_STORED


def test_unknown_columns_are_ignored_with_a_warning(store, tmp_path):
    path = write_csv(
        tmp_path / "extra.csv",
        [*CASE_HEADER[:3], "Officer Name", *CASE_HEADER[3:], "notes"],
        ([*row[:3], "PC Smith", *row[3:], "see file"] for row in FIRST_CASES),
    )
    result = run_import(store, "cases", path)
    assert result.warnings == [
        'ignored 2 columns that oversight does not use: "Officer Name", "notes"',
    ]
    assert cases_table(store) == FIRST_CASES_STORED


def test_unknown_columns_are_one_warning_with_names_short_and_on_one_line(store, tmp_path):
    odd = ["Notes\n\x1b[2Jmore", "y" * 1000, *(f"extra {n}" for n in range(20))]
    path = write_csv(
        tmp_path / "extra.csv",
        [*CASE_HEADER, *odd],
        ([*row, *(["x"] * len(odd))] for row in FIRST_CASES),
    )
    result = run_import(store, "cases", path)
    assert result.warnings == [
        "ignored 22 columns that oversight does not use: "
        '"Notes\\n\\x1b[2Jmore", "' + "y" * 39 + '…", "extra 0", "extra 1", "extra 2" '
        "and 17 more"
    ]
    assert cases_table(store) == FIRST_CASES_STORED


def test_a_long_cell_is_shown_by_its_ends_in_a_problem(first_import, tmp_path):
    cell = "31/02/" + "9" * 5000 + "\nend"
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("X", recorded_on=cell)])
    with pytest.raises(InvalidExtract) as caught:
        run_import(first_import, "cases", path)
    [problem] = caught.value.details()
    assert problem.startswith('line 2, recorded_on: "31/02/999')
    assert problem.endswith('99\\nend" is not a date')
    assert len(problem) == len("line 2, recorded_on: ") + 200


def test_a_missing_optional_column_is_unknown_for_every_row_with_a_warning(store, tmp_path):
    header = [c for c in CASE_HEADER if c != "referral_sent"]
    path = write_csv(tmp_path / "cases.csv", header, (row[:-1] for row in FIRST_CASES))
    result = run_import(store, "cases", path)
    assert result.warnings == ['no "referral_sent" column: stored as unknown for every row']
    sent = store.conn.execute("SELECT DISTINCT typeof(referral_sent) FROM case_reviews")
    assert sent.fetchall() == [("null",)]


def test_a_short_row_is_read_as_blank_in_its_missing_cells(store, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text(",".join(CASE_HEADER) + "\nA,da,2019-07-01,no\n")
    run_import(store, "cases", path)
    assert cases_table(store) == [
        ("A", "domestic_abuse", "2019-07-01", 0, "not_required", None, None, None, None)
    ]


def test_returns_and_deadlines_are_stored(first_import):
    conn = first_import.conn
    assert conn.execute(
        "SELECT dataset, period, due_on, status, submitted_on, notes FROM data_returns"
    ).fetchall() == [("crime", "2019-Q3", "2019-10-31", "submitted", "2019-10-30", "on time")]
    assert conn.execute(
        "SELECT title, due_on, category, owner, status, done_on FROM deadlines"
    ).fetchall() == [("Action plan", "2020-09-30", "HMICFRS", "DCC", "open", None)]


def test_a_deadline_without_a_status_is_open(store, tmp_path):
    path = write_csv(
        tmp_path / "deadlines.csv",
        ["Title", "Due On"],
        [["Publish plan", "30/09/2020"], ["Board", "2020-10-01"]],
    )
    result = run_import(store, "deadlines", path)
    assert 'no "status" column: stored as unknown for every row' in result.warnings
    rows = store.conn.execute("SELECT title, status FROM deadlines ORDER BY title").fetchall()
    assert rows == [("Board", "open"), ("Publish plan", "open")]


# --- XLSX ------------------------------------------------------------------------------------


def xlsx_cases() -> list[list[object]]:
    return [
        ["Incident Ref", *CASE_HEADER[1:]],
        ["DA-1", "DA", date(2019, 7, 1), "yes", "outstanding", None, None, None, None],
        ["DA-2", "domestic_abuse", "02/07/2019", True, "In progress", None, None, None, None],
        ["DA-3", "da", date(2019, 7, 3), 1, "reviewed", date(2019, 8, 1), True, "yes", False],
        ["CP-1", "CP", "2019-07-01", "no", None, None, None, None, None],
        ["CP-2", "child protection", date(2019, 7, 4), "Y", "outstanding", None, None, None, None],
    ]


def test_an_xlsx_workbook_imports_like_the_csv(store, tmp_path):
    path = write_xlsx(tmp_path / "cases.xlsx", {"Cases": xlsx_cases(), "Notes": [["x"]]})
    result = run_import(store, "cases", path)
    assert (result.rows_read, result.inserted) == (5, 5)
    assert cases_table(store) == FIRST_CASES_STORED
    assert stored_case_daily(store.conn) == recount_case_daily(store.conn)


def test_sheet_picks_the_worksheet(store, tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {"Read me": [["This workbook holds"], ["the cases"]], "Data": xlsx_cases()},
    )
    with pytest.raises(UserError, match="missing the required columns"):
        run_import(store, "cases", path)
    run_import(store, "cases", path, sheet="Data")
    assert cases_table(store) == FIRST_CASES_STORED


def test_an_unknown_sheet_is_a_user_error_naming_the_sheets(first_import, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"Cases": xlsx_cases(), "Returns": [["a"]]})
    before = snapshot(first_import.conn), file_bytes(first_import.path)
    with pytest.raises(UserError) as caught:
        run_import(first_import, "cases", path, sheet="Sheet1")
    assert str(caught.value) == 'book.xlsx has no sheet "Sheet1" (it has "Cases", "Returns").'
    assert_unchanged(first_import, *before)


def test_xlsx_problems_are_named_by_row(store, tmp_path):
    rows = xlsx_cases()
    rows[2][2] = "31/02/2019"
    rows[4][2] = date(2021, 1, 1)  # after the extract's as-of date
    path = write_xlsx(tmp_path / "cases.xlsx", {"Cases": rows})
    with pytest.raises(InvalidExtract) as caught:
        run_import(store, "cases", path)
    assert caught.value.details() == [
        'row 3, recorded_on: "31/02/2019" is not a date',
        "row 5, recorded_on: 2021-01-01 is after the extract's as-of date 2020-07-01",
    ]


# --- files that are not extracts, or not the right extract -----------------------------------


BAD_FILES = {
    "latin1": (
        (
            ",".join(CASE_HEADER) + "\nDA-9,da,2019-07-01,yes,outstanding,,,,\nDA-10,da,"
            "2019-07-01,yes,outstanding,,,,caf\xe9\n"
        ).encode("latin-1"),
        'cases.csv is not UTF-8 text (line 3): save it from Excel as "CSV UTF-8".',
    ),
    "empty": (b"", "cases.csv is empty: there is no header and no data."),
    "header-only": (
        (",".join(CASE_HEADER) + "\r\n\r\n\r\n").encode(),
        "cases.csv has a header but no data rows.",
    ),
    "pdf": (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n", "cases.csv is not a CSV or XLSX extract."),
    "binary": (bytes(range(256)) * 4, "cases.csv is not a CSV or XLSX extract."),
    "xls": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000,
        "cases.csv is an old-style .xls workbook: save it as .xlsx or CSV.",
    ),
    "wrong-kind": (
        (",".join(RETURN_HEADER) + "\ncrime,2019-Q3,2019-10-31,pending,,\n").encode(),
        "cases.csv is missing the required columns incident_ref, workstream, recorded_on, "
        "needs_review (is it a case review extract?).",
    ),
    "one-missing": (
        (
            ",".join(c for c in CASE_HEADER if c != "recorded_on") + "\nA,da,yes,outstanding\n"
        ).encode(),
        "cases.csv is missing the required column recorded_on (is it a case review extract?).",
    ),
    "repeated-column": (
        (
            ",".join([*CASE_HEADER, "Workstream"]) + "\n" + ",".join([*case("A"), "cp"]) + "\n"
        ).encode(),
        'cases.csv has the column "workstream" twice in its header.',
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_file_that_cannot_be_imported_is_one_sentence_and_changes_nothing(
    first_import, tmp_path, name
):
    content, message = BAD_FILES[name]
    path = tmp_path / "cases.csv"
    path.write_bytes(content)
    before = snapshot(first_import.conn), file_bytes(first_import.path)
    with pytest.raises(UserError) as caught:
        run_import(first_import, "cases", path)
    assert not isinstance(caught.value, InvalidExtract)
    assert str(caught.value) == message
    assert_unchanged(first_import, *before)


def test_a_missing_file_is_a_user_error(first_import, tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        run_import(first_import, "cases", tmp_path / "nowhere.csv")
    with pytest.raises(UserError, match="is not a file"):
        run_import(first_import, "cases", tmp_path)


# --- files with bad rows ---------------------------------------------------------------------


def line_of(problem: str) -> int:
    return int(re.match(r"(?:line|row) (\d+)", problem).group(1))


def test_every_bad_case_row_is_named_and_nothing_is_changed(first_import, tmp_path):
    rows = [
        case("NEW-1"),  # line 2: fine
        case("NEW-2", recorded_on="31/02/2019"),  # line 3
        case("NEW-3", workstream="burglary"),  # line 4
        case("NEW-4", review_status="reviewed"),  # line 5: no reviewed_on
        case("NEW-5", recorded_on="2019-09-01", review_status="reviewed", reviewed_on="01/08/2019"),
        case("NEW-1", recorded_on="2019-07-02"),  # line 7: NEW-1 again
        case("NEW-6"),  # line 8: fine
        case("NEW-7", needs_review="maybe"),  # line 9
        case(""),  # line 10: no incident_ref
        case("NEW-8", recorded_on="2020-07-02"),  # line 11: after the as-of date
        [*case("NEW-9"), "stray"],  # line 12
        case("NEW-10", needs_review="no", review_status="", reviewed_on="2019-08-01"),
        case("NEW-11", needs_review="yes", review_status=""),  # line 14
        case("NEW-12", review_status="finished"),  # line 15
        case("DA-1", needs_review="no", review_status="outstanding"),  # line 16
        case("NEW-13", review_status="in progress", reviewed_on="2019-08-01"),  # line 17
    ]
    path = write_csv(tmp_path / "cases-2.csv", CASE_HEADER, rows)
    before = snapshot(first_import.conn), file_bytes(first_import.path)
    with pytest.raises(InvalidExtract) as caught:
        run_import(first_import, "cases", path)
    expected = [
        'line 3, recorded_on: "31/02/2019" is not a date',
        'line 4, workstream: "burglary" is not a workstream (domestic_abuse/DA or '
        "child_protection/CP)",
        "line 5, reviewed_on: is required when review_status is reviewed",
        "line 6, reviewed_on: 2019-08-01 is before recorded_on 2019-09-01",
        'line 7, incident_ref: "NEW-1" appears more than once (first on line 2)',
        'line 9, needs_review: "maybe" is not yes or no',
        "line 10, incident_ref: is required but blank",
        "line 11, recorded_on: 2020-07-02 is after the extract's as-of date 2020-07-01",
        "line 12: has 10 cells but the header has 9",
        'line 13, reviewed_on: is given but review_status is "not_required"',
        "line 14, review_status: is required when needs_review is yes",
        'line 15, review_status: "finished" is not a review status (outstanding, in_progress, '
        "reviewed, not_required)",
        'line 16, review_status: is "outstanding" but needs_review is no',
        'line 17, reviewed_on: is given but review_status is "in_progress"',
    ]
    error = caught.value
    assert sorted(error.details(), key=line_of) == expected
    assert error.more == 0
    assert str(error) == "cases-2.csv was not imported: 14 problems found, nothing was changed."
    assert_unchanged(first_import, *before)


def test_one_bad_row_is_one_problem(first_import, tmp_path):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("X", recorded_on="2019-02-29")])
    with pytest.raises(InvalidExtract) as caught:
        run_import(first_import, "cases", path)
    assert str(caught.value) == "cases.csv was not imported: 1 problem found, nothing was changed."
    assert caught.value.details() == ['line 2, recorded_on: "2019-02-29" is not a date']


def test_problems_past_the_first_fifty_are_counted(first_import, tmp_path):
    rows = [case(f"BAD-{n}", recorded_on=f"{n % 28 + 1}/13/2019") for n in range(120)]
    rows.insert(60, case("GOOD"))
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, rows)
    before = snapshot(first_import.conn), file_bytes(first_import.path)
    with pytest.raises(InvalidExtract) as caught:
        run_import(first_import, "cases", path)
    details = caught.value.details()
    assert MAX_PROBLEMS == 50
    assert len(details) == 51
    assert details[-1] == "…and 70 more"
    assert [line_of(d) for d in details[:50]] == list(range(2, 52))
    assert (
        str(caught.value) == "cases.csv was not imported: 120 problems found, nothing was changed."
    )
    assert_unchanged(first_import, *before)


def test_a_duplicate_far_apart_is_found_across_batches(first_import, tmp_path):
    rows = [case(f"R{n}") for n in range(12_000)]
    rows.append(case("R7"))  # line 12002, in another batch than line 9
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, rows)
    with pytest.raises(InvalidExtract) as caught:
        run_import(first_import, "cases", path)
    assert caught.value.details() == [
        'line 12002, incident_ref: "R7" appears more than once (first on line 9)'
    ]


def test_every_bad_return_row_is_named_and_nothing_is_changed(first_import, tmp_path):
    rows = [
        ["crime", "2019-Q4", "2020-01-31", "submitted", "2020-01-30", ""],  # line 2
        ["crime ", "2019-q4", "2020-01-31", "late", "2020-02-03", "again"],  # 3: same key
        ["crime", "2019-Q5", "2020-01-31", "pending", "", ""],  # 4
        ["crime", "2019/21", "2020-01-31", "pending", "", ""],  # 5
        ["crime", "2020-Q1", "2020-04-30", "submitted", "", ""],  # 6: no submitted_on
        ["crime", "2020-Q2", "2020-07-31", "missing", "2020-07-01", ""],  # 7
        ["crime", "2020-06", "2020-07-31", "lost", "", ""],  # 8
        ["", "2020-07", "", "pending", "", ""],  # 9: no dataset, no due_on
        ["outcomes", "2019/20", "2020-05-31", "submitted", "2020-07-02", ""],  # 10
        ["outcomes", "2020-Q1", "2020-04-30", "pending", "", ""],  # 11: fine
    ]
    path = write_csv(tmp_path / "returns-2.csv", RETURN_HEADER, rows)
    before = snapshot(first_import.conn), file_bytes(first_import.path)
    with pytest.raises(InvalidExtract) as caught:
        run_import(first_import, "returns", path)
    assert sorted(caught.value.details(), key=line_of) == [
        'line 3, dataset+period: "crime / 2019-Q4" appears more than once (first on line 2)',
        'line 4, period: "2019-Q5" is not a period (2019-Q3, 2019/20 or 2019-07)',
        'line 5, period: "2019/21" is not a financial year (the years must follow each other)',
        "line 6, submitted_on: is required when status is submitted",
        'line 7, submitted_on: is given but status is "missing"',
        'line 8, status: "lost" is not a return status (submitted, late, missing, excluded, '
        "pending)",
        "line 9, dataset: is required but blank",
        "line 9, due_on: is required but blank",
        "line 10, submitted_on: 2020-07-02 is after the extract's as-of date 2020-07-01",
    ]
    assert_unchanged(first_import, *before)


def test_every_bad_deadline_row_is_named_and_nothing_is_changed(first_import, tmp_path):
    rows = [
        ["Action plan", "2020-09-30", "HMICFRS", "DCC", "open", ""],  # line 2
        ["Board paper", "31/09/2020", "", "", "open", ""],  # 3
        ["Action plan", "2020-10-30", "", "", "open", ""],  # 4: same title
        ["Audit", "2020-08-01", "", "", "open", "2020-06-30"],  # 5
        ["Review", "2020-08-01", "", "", "done", "2020-07-05"],  # 6
        ["Report", "2020-08-01", "", "", "closed", ""],  # 7
        ["", "2020-08-01", "", "", "", ""],  # 8
    ]
    path = write_csv(tmp_path / "deadlines-2.csv", DEADLINE_HEADER, rows)
    before = snapshot(first_import.conn), file_bytes(first_import.path)
    with pytest.raises(InvalidExtract) as caught:
        run_import(first_import, "deadlines", path)
    assert sorted(caught.value.details(), key=line_of) == [
        'line 3, due_on: "31/09/2020" is not a date',
        'line 4, title: "Action plan" appears more than once (first on line 2)',
        'line 5, done_on: is given but status is "open"',
        "line 6, done_on: 2020-07-05 is after the extract's as-of date 2020-07-01",
        'line 7, status: "closed" is not a deadline status (open, done)',
        "line 8, title: is required but blank",
    ]
    assert_unchanged(first_import, *before)


# --- importing again -------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing_but_is_recorded(store, tmp_path):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, FIRST_CASES)
    first = run_import(store, "cases", path)
    rows_before = store.conn.execute("SELECT * FROM case_reviews ORDER BY 1").fetchall()
    daily_before = stored_case_daily(store.conn)
    again = run_import(store, "cases", path)
    assert (again.rows_read, again.inserted, again.updated, again.unchanged) == (5, 0, 0, 5)
    assert again.not_in_file == 0
    assert again.changed_nothing
    assert again.import_id == first.import_id + 1
    assert again.sha256 == first.sha256
    # Rows keep the import that last changed them.
    assert store.conn.execute("SELECT * FROM case_reviews ORDER BY 1").fetchall() == rows_before
    assert stored_case_daily(store.conn) == daily_before
    history = store.conn.execute(
        "SELECT id, inserted, updated, unchanged FROM imports ORDER BY id"
    ).fetchall()
    assert history == [(first.import_id, 5, 0, 0), (again.import_id, 0, 0, 5)]


def test_the_same_rows_in_another_form_are_unchanged(store, tmp_path):
    run_import(store, "cases", write_csv(tmp_path / "cases.csv", CASE_HEADER, FIRST_CASES))
    path = write_xlsx(tmp_path / "cases.xlsx", {"Cases": xlsx_cases()})
    result = run_import(store, "cases", path)
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 5)


def test_a_newer_extract_inserts_updates_and_keeps_what_it_leaves_out(store, tmp_path):
    first = run_import(
        store, "cases", write_csv(tmp_path / "cases-1.csv", CASE_HEADER, FIRST_CASES)
    )
    newer = [
        case("DA-1"),  # unchanged
        case(  # DA-2 reviewed since
            "DA-2",
            recorded_on="2019-07-02",
            review_status="reviewed",
            reviewed_on="2020-06-15",
            ncrs_compliant="no",
            referral_required="yes",
        ),
        case(  # DA-3 unchanged, in another form
            "DA-3",
            workstream="Domestic abuse",
            recorded_on="03/07/2019",
            review_status="Reviewed",
            reviewed_on="01/08/2019",
            ncrs_compliant="Y",
            referral_required="TRUE",
            referral_sent="0",
        ),
        case("CP-2", workstream="cp", recorded_on="2019-07-05"),  # recorded date corrected
        # CP-1 is not in this file
        case("DA-4", recorded_on="2020-06-01"),
        case(
            "CP-3", workstream="cp", recorded_on="2020-06-02", needs_review="no", review_status=""
        ),
        case("CP-4", workstream="cp", recorded_on="2020-06-03", review_status="in_progress"),
    ]
    path = write_csv(tmp_path / "cases-2.csv", CASE_HEADER, newer)
    result = run_import(store, "cases", path, as_of=date(2020, 6, 30), imported_by="j.bloggs")
    assert (result.rows_read, result.inserted, result.updated, result.unchanged) == (7, 3, 2, 2)
    assert result.not_in_file == 1
    assert not result.changed_nothing
    assert result.import_id == first.import_id + 1

    rows = {row[0]: row for row in cases_table(store)}
    assert rows["DA-2"] == (
        "DA-2",
        "domestic_abuse",
        "2019-07-02",
        1,
        "reviewed",
        "2020-06-15",
        0,
        1,
        None,
    )
    assert rows["CP-2"][2] == "2019-07-05"
    assert rows["CP-3"][4] == "not_required"
    assert rows["CP-1"] == FIRST_CASES_STORED[0]  # kept as it was
    assert len(rows) == 8
    import_ids = dict(store.conn.execute("SELECT incident_ref, import_id FROM case_reviews"))
    assert import_ids == {
        "DA-1": first.import_id,
        "DA-3": first.import_id,
        "CP-1": first.import_id,
        "DA-2": result.import_id,
        "CP-2": result.import_id,
        "DA-4": result.import_id,
        "CP-3": result.import_id,
        "CP-4": result.import_id,
    }
    assert stored_case_daily(store.conn) == recount_case_daily(store.conn)
    assert stored_case_daily(store.conn)[("domestic_abuse", "2020-06-15")] == (0, 0, 1, 1, 0, 0, 1)

    history = store.conn.execute(
        "SELECT id, kind, file_name, sha256, rows_read, inserted, updated, unchanged, "
        "not_in_file, imported_by, imported_at, extract_as_of FROM imports WHERE id = ?",
        (result.import_id,),
    ).fetchone()
    assert history == (
        result.import_id,
        "cases",
        "cases-2.csv",
        hashlib.sha256(path.read_bytes()).hexdigest(),
        7,
        3,
        2,
        2,
        1,
        "j.bloggs",
        "2020-07-01T09:00:00+01:00",
        "2020-06-30",
    )
    assert result.sha256 == history[3]
    assert result.file_name == "cases-2.csv"
    assert result.extract_as_of == date(2020, 6, 30)


def test_a_newer_returns_extract_updates_by_dataset_and_period(first_import, tmp_path):
    path = write_csv(
        tmp_path / "returns-2.csv",
        RETURN_HEADER,
        [
            ["crime", "2019-Q3", "2019-10-31", "submitted", "2019-10-30", "on time"],
            ["crime", "2019-Q4", "2020-01-31", "late", "2020-02-10", ""],
            ["outcomes", "2019-Q3", "2019-10-31", "excluded", "", "system outage"],
        ],
    )
    result = run_import(first_import, "returns", path)
    assert (result.inserted, result.updated, result.unchanged, result.not_in_file) == (2, 0, 1, 0)
    path = write_csv(
        tmp_path / "returns-3.csv",
        RETURN_HEADER,
        [["crime", "2019-Q4", "2020-01-31", "late", "2020-02-10", "signed off late"]],
    )
    result = run_import(first_import, "returns", path)
    assert (result.inserted, result.updated, result.unchanged, result.not_in_file) == (0, 1, 0, 2)
    notes = first_import.conn.execute(
        "SELECT notes FROM data_returns WHERE dataset = 'crime' AND period = '2019-Q4'"
    ).fetchone()
    assert notes == ("signed off late",)


def test_a_value_blanked_in_a_newer_extract_becomes_null(store, tmp_path):
    run_import(store, "cases", write_csv(tmp_path / "a.csv", CASE_HEADER, FIRST_CASES))
    rows = [list(row) for row in FIRST_CASES]
    rows[2][8] = ""  # DA-3: referral_sent no longer known
    result = run_import(store, "cases", write_csv(tmp_path / "b.csv", CASE_HEADER, rows))
    assert (result.updated, result.unchanged) == (1, 4)
    sent = store.conn.execute(
        "SELECT typeof(referral_sent) FROM case_reviews WHERE incident_ref = 'DA-3'"
    ).fetchone()
    assert sent == ("null",)
    assert stored_case_daily(store.conn)[("domestic_abuse", "2019-08-01")] == (0, 0, 1, 1, 1, 0, 1)


# --- the command line ------------------------------------------------------------------------


def test_the_import_command(cli, tmp_path):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, FIRST_CASES)
    done = cli("import", "cases", str(path), "--by", "analyst")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Imported cases.csv (5 rows) as import #1: 5 inserted, 0 updated, 0 unchanged.\n"
    )
    again = cli("import", "cases", str(path), "--by", "analyst")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("No changes: all 5 rows of cases.csv are already in the store")

    bad = write_csv(tmp_path / "bad.csv", CASE_HEADER, [case("Z", recorded_on="31/02/2019")])
    before = file_bytes(tmp_path / "oversight.db")
    failed = cli("import", "cases", str(bad))
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr == (
        "bad.csv was not imported: 1 problem found, nothing was changed.\n"
        '  line 2, recorded_on: "31/02/2019" is not a date\n'
    )
    assert file_bytes(tmp_path / "oversight.db") == before


# --- killed part way -------------------------------------------------------------------------

BIG_ROWS = 300_000
WAL_GROWN = 1 << 20  # bytes: well into the final write, which writes tens of megabytes


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """A big extract, written quickly: its first rows change the small import's rows."""
    path = tmp_path_factory.mktemp("big") / "BIG.csv"
    days = [f"2019-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]
    lines = [",".join(CASE_HEADER)]
    for n in range(BIG_ROWS):
        ws = "cp" if n % 3 else "da"
        day = days[n % len(days)]
        if n % 4 == 0:
            lines.append(f"R{n},{ws},{day},yes,reviewed,2020-0{n % 6 + 1}-15,yes,yes,no")
        else:
            lines.append(f"R{n},{ws},{day},yes,outstanding,,,,")
    path.write_text("\n".join(lines) + "\n")
    return path


def small_import(tmp_path: Path) -> Path:
    """A database holding one small import; closed, so its log is folded into the file."""
    db = tmp_path / "oversight.db"
    store = open_store(db, create=True)
    try:
        rows = [case(f"R{n}", recorded_on="2019-06-01") for n in range(5)]
        run_import(store, "cases", write_csv(tmp_path / "small.csv", CASE_HEADER, rows))
    finally:
        store.close()
    return db


def start_import(tmp_path: Path, db: Path, extract: Path) -> subprocess.Popen:
    env = {**os.environ, "OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": TEST_NOW}
    return subprocess.Popen(
        [*oversight_command(), "import", "cases", str(extract), "--by", "analyst"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def read_position(pid: int, path: Path) -> int | None:
    """How far the process has read ``path`` through an open descriptor, if it has one open."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        for fd in fds.iterdir():
            if os.readlink(fd) == str(path):
                info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                return int(re.search(r"^pos:\s*(\d+)", info, re.MULTILINE).group(1))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return None


def kill_when(process: subprocess.Popen, ready) -> bool:
    """SIGKILL ``process`` as soon as ``ready()``; False if it ended first."""
    give_up = time.monotonic() + 120  # only so that a hung import cannot hang the tests
    while process.poll() is None and time.monotonic() < give_up:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.001)
    if process.poll() is None:
        process.kill()
    process.wait()
    return False


def state_of(db: Path) -> dict[str, object]:
    store = open_store(db)
    try:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return snapshot(store.conn)
    finally:
        store.close()


@pytest.mark.slow
def test_killed_while_writing_the_store_holds_the_old_state_or_the_new(tmp_path, big_csv):
    db = small_import(tmp_path)
    before = state_of(db)
    shutil.copy(db, tmp_path / "copy.db")  # for the new state, should the commit have won
    wal = db.with_name(db.name + "-wal")

    process = start_import(tmp_path, db, big_csv)
    killed = kill_when(process, lambda: size_of(wal) > WAL_GROWN)
    out, err = process.communicate()
    assert killed, f"the import ended before it could be killed: {out!r} {err!r}"
    assert process.returncode == -signal.SIGKILL
    assert size_of(wal) > WAL_GROWN  # the half-written transaction is there, to be ignored

    after = state_of(db)
    if len(after["imports"]) == len(before["imports"]):
        assert after == before
    else:
        # The commit landed before the kill: then the whole import must be there.
        copy = open_store(tmp_path / "copy.db")
        try:
            run_import(copy, "cases", big_csv)
        finally:
            copy.close()
        assert after == state_of(tmp_path / "copy.db")
        assert len(after["case_reviews"]) == BIG_ROWS


@pytest.mark.slow
def test_killed_while_validating_the_store_is_untouched(tmp_path, big_csv):
    if not Path(f"/proc/{os.getpid()}/fdinfo").is_dir():
        pytest.skip("needs /proc to see how far the import has read")
    db = small_import(tmp_path)
    before = state_of(db)
    db_bytes = db.read_bytes()
    wal = db.with_name(db.name + "-wal")
    size = big_csv.stat().st_size

    def validating() -> bool:
        # The file is read once whole for its checksum (1 MiB at a time), then row by row:
        # a position that is not a whole MiB is the row-by-row read, a quarter of the way in.
        position = read_position(process.pid, big_csv)
        return position is not None and size // 4 < position < size and position % (1 << 20) != 0

    process = start_import(tmp_path, db, big_csv)
    killed = kill_when(process, validating)
    process.communicate()
    assert killed
    assert process.returncode == -signal.SIGKILL
    assert size_of(wal) == 0  # nothing was written
    assert db.read_bytes() == db_bytes
    assert state_of(db) == before


@pytest.mark.slow
def test_a_backup_taken_during_an_import_is_whole_and_restores(tmp_path, big_csv):
    db = small_import(tmp_path)
    before = state_of(db)
    wal = db.with_name(db.name + "-wal")
    process = start_import(tmp_path, db, big_csv)
    give_up = time.monotonic() + 120
    while size_of(wal) == 0 and process.poll() is None and time.monotonic() < give_up:
        time.sleep(0.0005)
    # Its write transaction is open: stop it there, so the backup is surely taken mid-import.
    writing = process.poll() is None
    if writing:
        process.send_signal(signal.SIGSTOP)
    backup = tmp_path / "backups" / "oversight-backup.db"
    backup.parent.mkdir()
    env = {**os.environ, "OVERSIGHT_DB": str(db), "OVERSIGHT_NOW": TEST_NOW}
    taken = subprocess.run(
        [*oversight_command(), "backup", str(backup)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    process.send_signal(signal.SIGCONT)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert writing, "the import ended before the backup could be taken during it"
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.startswith(f"Backed up {db} to {backup} (")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    after = state_of(db)
    copied = state_of(backup)  # a consistent store: integrity_check is ok
    assert copied == before  # the import had not committed when the copy was taken
    assert after != before and len(after["case_reviews"]) == BIG_ROWS

    # Restore it as the README says: the bot stopped, the damaged files moved aside.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, db)
    db.chmod(0o600)
    status = subprocess.run(
        [*oversight_command(), "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 0, status.stderr
    assert state_of(db) == before
    # And the import can be run again on the restored store.
    again = start_import(tmp_path, db, big_csv)
    assert again.wait(timeout=300) == 0
    assert state_of(db)["case_reviews"] == after["case_reviews"]


def test_a_backup_never_overwrites_and_needs_its_folder(tmp_path, runner):
    from tests.support.cli import invoke

    db = small_import(tmp_path)
    env = {"OVERSIGHT_DB": str(db)}
    (tmp_path / "taken.db").write_bytes(b"precious")
    refused = invoke(runner, "backup", str(tmp_path / "taken.db"), env=env)
    assert refused.exit_code == 2
    assert refused.stderr.strip().endswith("a backup never overwrites a file; give a new name.")
    assert (tmp_path / "taken.db").read_bytes() == b"precious"
    missing = invoke(runner, "backup", str(tmp_path / "no" / "b.db"), env=env)
    assert missing.exit_code == 2
    assert (
        missing.stderr.strip() == f"The folder {tmp_path / 'no'} does not exist: create it first."
    )


# --- XLSX: the quick reading, beside the exact one ---------------------------------------------


def staged_by_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """What the fast path staged at each import from now on: its rows, or None (a doubt)."""
    from oversight import bulk

    staged: list[int | None] = []
    real = bulk.stage
    monkeypatch.setattr(bulk, "stage", lambda *a: staged.append(real(*a)) or staged[-1])
    return staged


def typed(row: list[str], n: int) -> list[object]:
    """A case row as a person might have typed it into Excel: dates as dates or as text, yes/no
    as booleans, 1/0 or words, blanks as empty cells."""
    cells: list[object] = [cell or None for cell in row]
    for at in (2, 5):  # recorded_on, reviewed_on
        if cells[at] and n % 3:
            cells[at] = date.fromisoformat(cells[at])
    for at in (3, 6, 7, 8):  # the yes/no columns
        if cells[at] in ("yes", "no") and n % 4:
            cells[at] = cells[at] == "yes" if n % 4 == 1 else int(cells[at] == "yes")
    return cells


WORKSTREAM_SPELLINGS = [("DA", ("domestic_abuse", "da")), ("CP", ("child_protection", "cp"))]


def many_cases(count: int) -> list[list[str]]:
    """``count`` valid case rows: both workstreams in their several spellings, 300 days, and
    reviews needed, done or not needed."""
    first = date(2019, 7, 1).toordinal()
    rows = []
    for n in range(count):
        prefix, spellings = WORKSTREAM_SPELLINGS[n % 2]
        ref, workstream = f"{prefix}-{n}", spellings[n // 2 % 2]
        day = date.fromordinal(first + n % 300).isoformat()
        if n % 5 == 0:
            rows.append(case(ref, workstream, day, needs_review="no", review_status=""))
        elif n % 5 == 1:
            reviewed = date.fromordinal(first + n % 300 + 20).isoformat()
            rows.append(case(ref, workstream, day, "yes", "reviewed", reviewed, "yes", "yes", "no"))
        else:
            rows.append(case(ref, workstream, day, "yes", "outstanding"))
    return rows


def as_excel_writes_it(path: Path) -> Path:
    """The workbook openpyxl wrote (each text inline in its cell), rewritten as Excel writes
    one: every text once, in the shared strings, and a cell its number there."""
    import zipfile

    inline = re.compile(
        rb'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t[^>]*>([^<]*)</t></is></c>'
    )
    texts: dict[bytes, int] = {}

    def shared(match: re.Match) -> bytes:
        number = texts.setdefault(match.group(3), len(texts))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), number)

    rewritten = path.with_name("excel-" + path.name)
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = inline.subn(shared, data)
                assert count and b"inlineStr" not in data
            elif item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(item.filename, data)
        items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in texts)
        main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        target.writestr("xl/sharedStrings.xml", b"<sst %s>%s</sst>" % (main, items))
    return rewritten


@pytest.mark.parametrize("excel", [False, True], ids=["as-openpyxl-writes-it", "as-excel-does"])
def test_a_workbook_stores_what_the_same_rows_as_csv_store(tmp_path, monkeypatch, excel):
    rows = many_cases(3000)
    csv_path = write_csv(tmp_path / "cases.csv", CASE_HEADER, rows)
    book = openpyxl.Workbook()
    book.active.append(CASE_HEADER)
    for n, row in enumerate(rows):
        book.active.append(typed(row, n))
    book.save(tmp_path / "cases.xlsx")
    xlsx_path = as_excel_writes_it(tmp_path / "cases.xlsx") if excel else tmp_path / "cases.xlsx"
    staged = staged_by_the_fast_path(monkeypatch)
    stored = []
    for path in (csv_path, xlsx_path):
        with open_store(tmp_path / f"{path.stem}-{path.suffix[1:]}.db", create=True) as store:
            assert run_import(store, "cases", path).inserted == 3000
            stored.append(cases_table(store))
            assert stored_case_daily(store.conn) == recount_case_daily(store.conn)
    assert staged == [3000, 3000]  # both on the fast path
    assert stored[1] == stored[0]
    assert len(stored[0]) == 3000


def test_bad_cells_of_a_workbook_are_named_by_their_sheet_rows(store, tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(CASE_HEADER)
    sheet.append([])  # row 2 blank: the data starts on row 3
    place = {3: typed(case("A-1"), 1), 4: typed(case("A-2", recorded_on="2019-02-30"), 3)}
    place[7] = typed(case("A-3", needs_review="maybe"), 3)  # rows 5 and 6 blank
    place[8] = [*typed(case("A-4"), 4)[:2], date(2020, 7, 2), *typed(case("A-4"), 4)[3:]]
    place[11] = typed(case("A-5", workstream="burglary"), 1)
    place[13] = typed(case("A-1"), 2)  # again
    for number, cells in place.items():
        for column, value in enumerate(cells, start=1):
            sheet.cell(row=number, column=column, value=value)
    book.save(tmp_path / "bad.xlsx")
    staged = staged_by_the_fast_path(monkeypatch)
    with pytest.raises(InvalidExtract) as caught:
        run_import(store, "cases", tmp_path / "bad.xlsx")
    assert staged == [None]  # the fast path doubted, and the exact path named them
    assert caught.value.details() == [
        'row 4, recorded_on: "2019-02-30" is not a date',
        'row 7, needs_review: "maybe" is not yes or no',
        "row 8, recorded_on: 2020-07-02 is after the extract's as-of date 2020-07-01",
        'row 11, workstream: "burglary" is not a workstream (domestic_abuse/DA or '
        "child_protection/CP)",
        'row 13, incident_ref: "A-1" appears more than once (first on row 3)',
    ]


# Cells as a person types them into Excel. Rows are mostly valid, so that many files are
# stored (and the values stored compared), and some not (and the problems named compared).
REFS = ["A1", "A2", "A3", "B1", "B2", 7, 8.0, 12345678901, "É6"]
WORKSTREAMS = ["DA", "cp", "Child protection", "domestic_abuse", " DA "]
DAYS = ["2019-07-01", "01/07/2019", date(2019, 7, 3), date(2020, 6, 30), "2019-07-04 00:00"]
YES = ["yes", "Y", "TRUE", "1", True, 1, 1.0]
NO = ["no", "N", "false", "0", False, 0, 0.0]
ODD = [
    *(" A4", "A5 ", "", None, date(2019, 7, 1), True, 2.5, "Burglary", 1, "2020-07-01"),
    *("31/02/2019", "x", date(2020, 7, 2), 43647, 43647.5, "maybe", 2, 0.5, "done", "reviewed"),
]


@st.composite
def workbook_row(draw: st.DrawFn) -> list[object]:
    pick = st.sampled_from
    needs = draw(st.booleans())
    cells = [
        draw(pick(REFS)),
        draw(pick(WORKSTREAMS)),
        draw(pick(DAYS)),
        draw(pick(YES if needs else NO)),
        draw(pick(["outstanding", "In progress"] if needs else ["", None, "not_required"])),
        None,
        *(draw(pick([*YES, *NO, None, ""])) for _ in range(3)),
    ]
    if draw(st.integers(0, 4)) == 0:  # one cell odd
        cells[draw(st.integers(0, len(cells) - 1))] = draw(pick(ODD))
    shape = draw(pick(["whole"] * 6 + ["short", "long", "blank"]))
    if shape == "short":
        return cells[:6]
    if shape == "long":
        return [*cells, draw(pick(["", " ", "extra", None, 3]))]
    return [None] * len(cells) if shape == "blank" else cells


def workbook_outcome(path: Path, fast: bool) -> tuple[str, object]:
    """What importing ``path`` into a new store comes to: the rows stored, or the refusal."""
    from oversight import bulk

    real = bulk.stage
    bulk.stage = real if fast else (lambda *_: None)
    try:
        with (
            tempfile.TemporaryDirectory() as folder,
            open_store(Path(folder) / "o.db", create=True) as store,
        ):
            try:
                run_import(store, "cases", path)
            except UserError as error:
                details = error.details() if hasattr(error, "details") else []
                return "refused", (str(error), details)
            rows = store.conn.execute("SELECT * FROM case_reviews ORDER BY incident_ref")
            return "stored", rows.fetchall()
    finally:
        bulk.stage = real


@pytest.mark.slow  # a long hypothesis run, each example imported twice
@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(workbook_row(), min_size=1, max_size=10),
    write_only=st.booleans(),
    first_row=st.sampled_from([2, 2, 4]),
)
def test_the_fast_path_reads_a_workbook_as_the_exact_path_does(rows, write_only, first_row):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.xlsx"
        book = openpyxl.Workbook(write_only=write_only)
        sheet = book.create_sheet("S") if write_only else book.active
        sheet.append(CASE_HEADER)
        for _ in range(first_row - 2):
            sheet.append([])
        for row in rows:
            sheet.append(row)
        book.save(path)
        assert workbook_outcome(path, True) == workbook_outcome(path, False)
