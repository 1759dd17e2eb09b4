"""Importing extracts: validate every row, then write all of the file or none of it."""

from __future__ import annotations

import hashlib
import re
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.errors import InvalidExtract, UserError
from oversight.importing.kinds import NO_RISK_COLUMNS
from oversight.importing.tabular import MAX_PROBLEMS
from oversight.store import Store, open_store
from tests.support.data import (
    CASE_HEADER,
    DEADLINE_HEADER,
    RETURN_HEADER,
    case,
    recount_case_daily,
    stored_case_daily,
    write_csv,
)
from tests.support.imports import AS_OF, cases_table, run_import, snapshot


def file_bytes(path: Path) -> dict[str, bytes | None]:
    """The database file and its write-ahead log, byte for byte."""
    wal = path.with_name(path.name + "-wal")
    return {
        "db": path.read_bytes(),
        "wal": wal.read_bytes() if wal.exists() else None,
    }


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
    # An extract of the columns before risk assessments: it says what it lacks.
    assert result.warnings == [NO_RISK_COLUMNS]
    assert cases_table(store) == FIRST_CASES_STORED
    ids = store.conn.execute("SELECT DISTINCT import_id FROM case_reviews").fetchall()
    assert ids == [(result.import_id,)]
    assert stored_case_daily(store.conn) == recount_case_daily(store.conn)
    assert stored_case_daily(store.conn)[("domestic_abuse", "2019-08-01")] == (0, 0, 1, 1, 1, 1, 0)


def test_a_first_import_builds_the_tables_indexes_after_its_rows_and_leaves_them_as_made(
    store, tmp_path
):
    indexes = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = store.conn.execute(indexes).fetchall()
    assert any(table == "case_reviews" and sql for _, table, sql in before)  # one to rebuild
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, FIRST_CASES)
    run_import(store, "cases", path)
    assert store.conn.execute(indexes).fetchall() == before
    assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    waiting = "SELECT count(*) FROM case_reviews INDEXED BY idx_case_reviews_missing "
    assert store.conn.execute(waiting + "WHERE missing_since_import IS NOT NULL").fetchone() == (0,)


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
        assert result.warnings == [NO_RISK_COLUMNS]
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
        NO_RISK_COLUMNS,
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
        "and 17 more",
        NO_RISK_COLUMNS,
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
    assert result.warnings == [
        'no "referral_sent" column: stored as unknown for every row',
        NO_RISK_COLUMNS,
    ]
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


def test_returns_and_deadlines_imported_again_change_nothing_until_a_row_does(store, tmp_path):
    returns = [
        ["ONS crime return", "2019-Q3", "31/10/2019", "Missing", "", ""],
        ["ONS crime return", "2019-Q4", "2020-01-31", "excluded", "", "not sent"],
    ]
    path = write_csv(tmp_path / "returns.csv", RETURN_HEADER, returns)
    assert run_import(store, "returns", path).inserted == 2
    assert run_import(store, "returns", path).changed_nothing
    returns[0][3:5] = ["late", "15/06/2020"]
    result = run_import(store, "returns", write_csv(path, RETURN_HEADER, returns))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)

    deadlines = [["Annual return", "30/04/2020", "data return", "Performance", "", ""]]
    path = write_csv(tmp_path / "deadlines.csv", DEADLINE_HEADER, deadlines)
    assert run_import(store, "deadlines", path).inserted == 1
    assert run_import(store, "deadlines", path).changed_nothing
