"""End-to-end tests of the ``oversight`` command line.

Every figure the command prints is checked against a count of the same file made here,
independently: the CSV is read with the csv module and counted by hand, without oversight's
parsers or figures. Those tests run the installed console script (the ``cli`` fixture), as do
the tests of a refusal's real exit status and of what a command imports at start-up; the
tests of arguments, settings and user-error messages run ``oversight.cli.cli`` in this process
(the ``runner`` fixture), as a subprocess would add nothing to them but time.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from oversight.answers import COMMANDS
from tests.support.cli import (
    LABELS,
    ask_json,
    by_workstream,
    database_dump,
    invoke,
    one_sentence,
    refused,
    succeeded,
    table_figures,
)
from tests.support.data import (
    CASE_HEADER,
    RETURN_HEADER,
    TEST_NOW,
    case,
    write_csv,
)
from tests.support.messy import (
    AS_OF,
    STATUS_OF,
    WORKSTREAM_SPELLINGS,
    WORKSTREAMS,
    count_by_hand,
    messy_rows,
    read_date,
    read_yes_no,
    write_messy_extract,
)
from tests.support.processes import CliRun

# --- importing a messy, real-world-style extract -------------------------------------------


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    return write_messy_extract(tmp_path / "Case review extract.csv", messy_rows(seed=3, count=400))


def test_a_messy_extract_imports_and_the_backlog_agrees_with_a_count_by_hand(
    cli: CliRun, messy: Path
) -> None:
    expected = count_by_hand(messy, AS_OF)
    # The file must exercise what it claims to: cases on both sides of the as-of date.
    assert 0 < expected["all"]["reviewed"] < expected["all"]["needing_review"]
    later = count_by_hand(messy, date(2020, 7, 14))
    assert later["all"]["recorded"] > expected["all"]["recorded"]
    assert later["all"]["reviewed"] > expected["all"]["reviewed"]

    env = {"OVERSIGHT_NOW": "2020-07-20T09:00"}
    result = succeeded(
        cli("import", "cases", messy.name, "--as-of", "2020-07-15", "--by", "Data team", env=env)
    )
    assert result.stdout.startswith(
        "Imported Case review extract.csv (400 rows) as import #1: 400 inserted, 0 updated, "
        "0 unchanged."
    )
    assert (
        'Warning: ignored the column "Officer in case", which oversight does not use.'
        in result.stderr.splitlines()
    )

    # Nothing was known on 30 June: the only extract was taken on 15 July.
    then = succeeded(cli("ask", "--as-of", "2020-06-30", "/backlog", env=env)).stdout
    assert "No case reviews extract had been taken by 30 Jun 2020" in then
    # What the store knows of 30 June today, counted by hand from the file.
    text = succeeded(cli("ask", "--as-of", "2020-06-30", "--revised", "/backlog", env=env)).stdout
    assert text.startswith("Review backlog, as of Tuesday 30 June 2020")
    shown = table_figures(text)
    for workstream in (*WORKSTREAMS, "all"):
        assert shown[workstream] == {
            k: expected[workstream][k]
            for k in ("recorded", "needing_review", "reviewed", "outstanding")
        }, workstream
    every = expected["all"]
    assert (
        f"NCRS compliance of reviewed cases: "
        f"{100 * every['ncrs_compliant'] / every['ncrs_answered']:.1f}% "
        f"({every['ncrs_compliant']} of {every['ncrs_answered']})"
    ) in text
    assert "From Case review extract.csv (as of 15 Jul 2020), imported 20 Jul 2020 09:00." in text

    answer = ask_json(cli, "--as-of", "2020-06-30", "--revised", "/backlog", env=env)
    assert answer["as_of"] == "2020-06-30"
    figures = by_workstream(answer)
    for workstream in (*WORKSTREAMS, "all"):
        for name, value in expected[workstream].items():
            assert figures[workstream][name] == value, (workstream, name)
    assert answer["source"]["file_name"] == "Case review extract.csv"
    assert answer["source"]["imported_by"] == "Data team"

    # One workstream, asked in words a person would type.
    only_da = ask_json(cli, "/backlog DA as of 30/06/2020 revised", env=env)
    assert [f["workstream"] for f in only_da["backlog"]["figures"]] == ["domestic_abuse"]
    assert (
        only_da["backlog"]["figures"][0]["outstanding"] == expected["domestic_abuse"]["outstanding"]
    )


def test_the_backlog_on_a_later_date_counts_the_later_cases(cli: CliRun, messy: Path) -> None:
    env = {"OVERSIGHT_NOW": "2020-07-20T09:00"}
    succeeded(cli("import", "cases", messy.name, "--as-of", "2020-07-15", env=env))
    expected = count_by_hand(messy, date(2020, 7, 14))
    figures = by_workstream(
        ask_json(cli, "--as-of", "2020-07-14", "--revised", "/backlog", env=env)
    )
    for name, value in expected["all"].items():
        assert figures["all"][name] == value, name


def test_the_sheet_option_reaches_the_workbook_reader(runner: CliRunner, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["This sheet is a cover note, not data."])
    sheet = book.create_sheet("Cases")
    sheet.append(CASE_HEADER)
    sheet.append(["X-1", "DA", datetime(2019, 7, 3), "Y", "Reviewed", datetime(2020, 2, 4), 1])
    sheet.append(["X-2", "CP", datetime(2019, 8, 9), "N", None, None, None])
    sheet.append(["X-3", "Domestic abuse", "04/07/2019", "yes", "outstanding"])
    book.save(tmp_path / "cases.xlsx")

    result = succeeded(invoke(runner, "import", "cases", "cases.xlsx", "--sheet", "Cases"))
    assert "3 inserted" in result.stdout
    figures = by_workstream(
        json.loads(succeeded(invoke(runner, "ask", "--json", "/backlog")).stdout)
    )
    assert (figures["domestic_abuse"]["recorded"], figures["child_protection"]["recorded"]) == (
        2,
        1,
    )
    # Without --sheet the first sheet is read, and it is not a case extract.
    assert "missing the required columns" in refused(
        invoke(runner, "import", "cases", "cases.xlsx")
    )
    message = refused(invoke(runner, "import", "cases", "cases.xlsx", "--sheet", "Data"))
    assert one_sentence(message) == 'cases.xlsx has no sheet "Data" (it has "Notes", "Cases").'


# --- a file with bad rows is rejected whole ------------------------------------------------

BAD_ROWS = [
    case("B-1", recorded_on="31/02/2019"),  # line 2: no such date
    case("B-2"),  # line 3: fine
    case("B-3", workstream="Traffic"),  # line 4: no such workstream
    case("B-4", review_status="Reviewed"),  # line 5: reviewed, but when?
    case("B-5", workstream="CP", recorded_on="01/08/2019"),  # line 6: fine
]


def test_a_rejected_first_import_leaves_no_database_behind(
    runner: CliRunner, tmp_path: Path
) -> None:
    write_csv(tmp_path / "bad.csv", CASE_HEADER, BAD_ROWS)
    refused(invoke(runner, "import", "cases", "bad.csv"))
    assert not (tmp_path / "oversight.db").exists()
    # So asking still says there is nothing to ask about, rather than showing zeros.
    assert one_sentence(refused(invoke(runner, "ask", "/backlog"))).startswith(
        "There is no database at "
    )


# --- one clear sentence for each mistake ---------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)


# Each: the file's bytes (None: no file, or made by the test), the kind, the file name, and
# the words its one sentence must contain.
BAD_IMPORTS = {
    "missing file": (None, "cases", "absent.csv", ["absent.csv", "does not exist"]),
    "empty file": (b"", "cases", "empty.csv", ["empty.csv is empty"]),
    "header only": (
        ",".join(CASE_HEADER).encode() + b"\r\n\r\n",
        "cases",
        "header.csv",
        ["header.csv has a header but no data rows"],
    ),
    "not UTF-8": (
        ",".join(CASE_HEADER).encode() + b"\nR\xe9f-1,DA,2019-07-01,no\n",
        "cases",
        "latin1.csv",
        ["latin1.csv is not UTF-8", "line 2", '"CSV UTF-8"'],
    ),
    "a PDF": (b"%PDF-1.7\n...", "cases", "report.pdf", ["report.pdf is not a CSV or XLSX"]),
    "an old workbook": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
        "cases",
        "cases.xls",
        ["cases.xls is an old-style .xls workbook", ".xlsx or CSV"],
    ),
    "a zip that is not a workbook": (
        None,
        "cases",
        "cases.xlsx",
        ["cases.xlsx is not a readable XLSX workbook"],
    ),
    "a missing required column": (
        b"incident_ref,workstream,needs_review\nA-1,DA,yes\n",
        "cases",
        "short.csv",
        ["short.csv is missing the required column recorded_on", "case review extract"],
    ),
    "the wrong kind of extract": (
        ",".join(RETURN_HEADER).encode() + b"\nONS,2019-Q3,2019-10-31,missing,,\n",
        "deadlines",
        "returns.csv",
        ["returns.csv is missing the required column title", "deadline extract"],
    ),
    "a folder": (None, "cases", ".", [". is not a file"]),
}


@pytest.mark.parametrize("name", list(BAD_IMPORTS))
def test_a_bad_file_is_refused_in_one_sentence(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    data, kind, file_name, words = BAD_IMPORTS[name]
    if data is not None:
        _write(tmp_path, file_name, data)
    if name == "a zip that is not a workbook":
        import zipfile

        with zipfile.ZipFile(tmp_path / file_name, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
    sentence = one_sentence(refused(invoke(runner, "import", kind, file_name)))
    for word in words:
        assert word in sentence
    assert not (tmp_path / "oversight.db").exists()


def test_the_same_mistakes_leave_an_existing_database_alone(
    runner: CliRunner, tmp_path: Path
) -> None:
    write_csv(tmp_path / "good.csv", CASE_HEADER, [case("G-1")])
    succeeded(invoke(runner, "import", "cases", "good.csv"))
    before = database_dump(tmp_path / "oversight.db")
    _write(tmp_path, "empty.csv", b"")
    refused(invoke(runner, "import", "cases", "empty.csv"))
    refused(invoke(runner, "import", "cases", "absent.csv"))
    assert database_dump(tmp_path / "oversight.db") == before


def test_an_unknown_kind_of_extract_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    write_csv(tmp_path / "good.csv", CASE_HEADER, [case("G-1")])
    message = refused(invoke(runner, "import", "incidents", "good.csv"))
    assert "'incidents' is not one of 'cases', 'returns', 'deadlines'" in message
    assert not (tmp_path / "oversight.db").exists()


@pytest.mark.parametrize(
    ("command", "as_of"),
    [
        (["import", "cases", "good.csv"], "2020-02-30"),
        (["import", "cases", "good.csv"], "yesterday"),
        (["import", "cases", "good.csv"], "06/31/2020"),
        (["ask", "/backlog"], "2020-06-31"),
    ],
    ids=["import-2020-02-30", "import-yesterday", "import-06/31/2020", "ask-2020-06-31"],
)
def test_a_bad_as_of_date_is_refused(
    runner: CliRunner, tmp_path: Path, command: list[str], as_of: str
) -> None:
    write_csv(tmp_path / "good.csv", CASE_HEADER, [case("G-1")])
    message = refused(invoke(runner, *command, "--as-of", as_of))
    assert (
        one_sentence(message) == f'--as-of: "{as_of}" is not a date: use YYYY-MM-DD or DD/MM/YYYY.'
    )
    assert not (tmp_path / "oversight.db").exists()


def test_a_sheet_for_a_csv_file_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    write_csv(tmp_path / "good.csv", CASE_HEADER, [case("G-1")])
    message = refused(invoke(runner, "import", "cases", "good.csv", "--sheet", "Cases"))
    assert one_sentence(message) == (
        "good.csv is a CSV file: --sheet applies only to XLSX workbooks."
    )


def test_rows_dated_after_the_extract_was_taken_are_refused(
    runner: CliRunner, tmp_path: Path
) -> None:
    write_csv(tmp_path / "future.csv", CASE_HEADER, [case("F-1", recorded_on="2020-07-02")])
    message = refused(invoke(runner, "import", "cases", "future.csv", "--as-of", "2020-07-01"))
    assert "line 2, recorded_on: 2020-07-02 is after the extract's as-of date 2020-07-01" in message


def test_asking_with_no_database_is_refused(cli: CliRun, tmp_path: Path) -> None:
    message = refused(cli("ask", "/backlog"))
    assert one_sentence(message) == (
        f"There is no database at {tmp_path / 'oversight.db'}: import an extract first "
        "(oversight import cases FILE), set OVERSIGHT_DB, or try oversight demo."
    )
    refused(cli("status"))
    assert not (tmp_path / "oversight.db").exists()


def test_a_database_that_is_not_one_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("my notes\n")
    message = refused(invoke(runner, "ask", "/backlog", env={"OVERSIGHT_DB": "notes.db"}))
    assert one_sentence(message) == "notes.db is not an oversight database (not a SQLite file)."
    assert (tmp_path / "notes.db").read_text() == "my notes\n"


def test_a_database_in_a_folder_that_does_not_exist_is_refused(
    runner: CliRunner, tmp_path: Path
) -> None:
    write_csv(tmp_path / "good.csv", CASE_HEADER, [case("G-1")])
    message = refused(
        invoke(runner, "import", "cases", "good.csv", env={"OVERSIGHT_DB": "no/such/x.db"})
    )
    assert one_sentence(message).startswith("The folder no/such does not exist")
    assert not (tmp_path / "no").exists()


def test_an_unknown_command_prints_the_usage(runner: CliRunner) -> None:
    message = refused(invoke(runner, "ask", "/foo"))
    lines = message.splitlines()
    assert lines[0] == '"/foo" is not a command oversight knows.'
    assert lines[1] == "Usage:"
    for command in (c.slash for c in COMMANDS):
        assert any(line.strip().startswith(command + " ") for line in lines[2:]), command


def test_bad_arguments_to_a_command_print_its_usage(runner: CliRunner) -> None:
    message = refused(invoke(runner, "ask", "/deadlines abc"))
    lines = message.splitlines()
    assert lines[0] == '"abc" is not a number of days from 1 to 366.'
    assert lines[1] == "Usage:"
    assert len(lines) == 3 and lines[2].strip().startswith("/deadlines [DAYS]")


@pytest.mark.parametrize(
    ("text", "first_line"),
    [
        ("/backlog traffic", '"traffic" is not a workstream: use da or cp.'),
        ("/deadlines 0", '"0" is not a number of days from 1 to 366.'),
        ("/backlog as of 31/02/2020", '"31/02/2020" is not a date: use YYYY-MM-DD or DD/MM/YYYY.'),
        ("/oversight dance", '"dance" is not something /oversight answers.'),
    ],
)
def test_other_bad_words_get_one_sentence_and_the_usage(
    runner: CliRunner, text: str, first_line: str
) -> None:
    lines = refused(invoke(runner, "ask", text)).splitlines()
    assert lines[0] == first_line
    assert lines[1] == "Usage:"


BAD_NOW = (
    'OVERSIGHT_NOW must be an ISO date or date-time such as 2020-06-30T09:00, not "next Tuesday".'
)


@pytest.mark.parametrize(
    ("command", "setting", "sentence"),
    [
        # A bad OVERSIGHT_NOW is refused by every command.
        (["status"], {"OVERSIGHT_NOW": "next Tuesday"}, BAD_NOW),
        (["ask", "/backlog"], {"OVERSIGHT_NOW": "next Tuesday"}, BAD_NOW),
        (["import", "cases", "x.csv"], {"OVERSIGHT_NOW": "next Tuesday"}, BAD_NOW),
        (
            ["status"],
            {"STALE_AFTER_DAYS": "a week"},
            'STALE_AFTER_DAYS must be a whole number of days, 1 or more, not "a week".',
        ),
    ],
    ids=["now-status", "now-ask", "now-import", "stale-after-days-status"],
)
def test_a_bad_setting_is_refused_in_one_sentence(
    runner: CliRunner, command: list[str], setting: dict[str, str], sentence: str
) -> None:
    message = refused(invoke(runner, *command, env=setting))
    assert one_sentence(message) == sentence


def test_ask_with_no_words_is_refused(runner: CliRunner) -> None:
    assert "Missing argument" in refused(invoke(runner, "ask"))


# --- re-importing --------------------------------------------------------------------------


@pytest.mark.slow
def test_reimporting_reports_what_changed(cli: CliRun, tmp_path: Path) -> None:
    def import_cases(name: str, as_of: str) -> subprocess.CompletedProcess[str]:
        return succeeded(
            cli("import", "cases", name, "--as-of", as_of, env={"OVERSIGHT_NOW": as_of})
        )

    rows = messy_rows(seed=11, count=120)
    first = write_messy_extract(tmp_path / "week1.csv", rows)
    import_cases("week1.csv", "2020-07-15")
    assert import_cases("week1.csv", "2020-07-15").stdout == (
        "No changes: all 120 rows of week1.csv are already in the store (recorded as import #2).\n"
    )

    # The same records, exported with other spellings and in another order: still no change.
    rng = random.Random(5)
    respelt = []
    for row in rows:
        row = list(row)
        row[1] = {"domestic_abuse": "DA", "child_protection": "CP"}[WORKSTREAM_SPELLINGS[row[1]]]
        row[2] = read_date(row[2]).isoformat()
        row[3] = "someone else"
        respelt.append(row)
    rng.shuffle(respelt)
    write_messy_extract(tmp_path / "week1-again.csv", respelt)
    same = import_cases("week1-again.csv", "2020-07-15")
    assert same.stdout.startswith("No changes: all 120 rows of week1-again.csv")

    # A newer extract: five outstanding cases reviewed, three new cases, two cases dropped.
    dropped, newer = rows[:2], [list(row) for row in rows[2:]]
    outstanding = [r for r in newer if read_yes_no(r[4]) and STATUS_OF[r[5]] == "outstanding"]
    for row in outstanding[:5]:
        row[5], row[6], row[7] = "Reviewed", "20/07/2020", "Y"
    newer += messy_rows(seed=12, count=3, first=900)
    write_messy_extract(tmp_path / "week2.csv", newer)
    result = import_cases("week2.csv", "2020-07-21")
    # The two dropped cases vanished: named by workstream, in the order the README lists them.
    gone = Counter(WORKSTREAM_SPELLINGS[row[1]] for row in dropped)
    label = {ws: name for name, ws in LABELS.items() if ws in WORKSTREAMS}
    split = ", ".join(f"{label[ws]} {gone[ws]}" for ws in WORKSTREAMS if gone[ws])
    assert result.stdout.splitlines() == [
        "Imported week2.csv (121 rows) as import #4: 3 inserted, 5 updated, 113 unchanged.",
        "Reconciled with the store: 2 findings.",
        f"  vanished: 2 ({split})",
        "  oversight integrity lists each one; records are kept, never deleted.",
        "2 cases already in the store are not in this file; they were kept as they were.",
    ]

    # The store holds the newer extract, and still the two cases that are not in it.
    with sqlite3.connect(tmp_path / "oversight.db") as conn:
        refs = {ref for (ref,) in conn.execute("SELECT incident_ref FROM case_reviews")}
    assert refs == {row[0] for row in [*dropped, *newer]}
    held = write_messy_extract(tmp_path / "held.csv", [*dropped, *newer])
    for as_of in ("2020-06-30", "2020-07-21"):
        expected = count_by_hand(held, date.fromisoformat(as_of))
        figures = by_workstream(
            ask_json(
                cli, "--as-of", as_of, "--revised", "/backlog", env={"OVERSIGHT_NOW": "2020-07-21"}
            )
        )
        for name, value in expected["all"].items():
            assert figures["all"][name] == value, (as_of, name)
    before = count_by_hand(first, date(2020, 7, 21))["all"]
    after = count_by_hand(held, date(2020, 7, 21))["all"]
    assert after["reviewed"] - before["reviewed"] >= 5  # the file does show the new reviews


# --- the import command ------------------------------------------------------------------------


def test_the_import_command(cli: CliRun, tmp_path: Path) -> None:
    rows = [case(f"DA-{n}") for n in range(1, 4)] + [case(f"CP-{n}", "CP") for n in (1, 2)]
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, rows)
    done = cli("import", "cases", str(path), "--by", "analyst")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Imported cases.csv (5 rows) as import #1: 5 inserted, 0 updated, 0 unchanged.\n"
    )
    again = cli("import", "cases", str(path), "--by", "analyst")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("No changes: all 5 rows of cases.csv are already in the store")

    bad = write_csv(tmp_path / "bad.csv", CASE_HEADER, [case("Z", recorded_on="31/02/2019")])
    before = database_dump(tmp_path / "oversight.db")
    failed = cli("import", "cases", str(bad))
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr == (
        "bad.csv was not imported: 1 problem found, nothing was changed.\n"
        '  line 2, recorded_on: "31/02/2019" is not a date\n'
    )
    assert database_dump(tmp_path / "oversight.db") == before


# --- status --------------------------------------------------------------------------------


@pytest.mark.slow
def test_status_shows_the_database_rows_and_the_freshness_of_each_kind(
    cli: CliRun, tmp_path: Path
) -> None:
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("C-1"), case("C-2", "CP"), case("C-3")])
    write_csv(
        tmp_path / "returns.csv",
        RETURN_HEADER,
        [["ONS", "2019-Q3", "2019-10-31", "missing", "", ""]],
    )
    succeeded(cli("import", "cases", "cases.csv", "--as-of", "2020-06-30", "--by", "Ana"))
    succeeded(
        cli(
            "import",
            "returns",
            "returns.csv",
            "--by",
            "Ben",
            env={"OVERSIGHT_NOW": "2020-07-10T14:30"},
        )
    )

    later = {"OVERSIGHT_NOW": "2020-07-12T08:00"}
    text = succeeded(cli("status", env=later)).stdout
    db = tmp_path / "oversight.db"
    with sqlite3.connect(db) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (
                "case_reviews",
                "data_returns",
                "deadlines",
                "crime_files",
                "requests",
                "assaults",
                "imports",
                "audit_log",
            )
        }
    assert counts["case_reviews"] == 3 and counts["data_returns"] == 1 and counts["imports"] == 2
    assert version >= 1
    lines = text.splitlines()
    assert lines[0] == f"Database: {db.resolve()}"
    assert lines[1] == f"Schema version: {version}"
    assert "  case reviews: 3" in lines
    assert "  data returns: 1" in lines
    assert "  deadlines: 0" in lines
    assert "  imports: 2" in lines
    assert (
        "  case reviews: cases.csv, extract as of 30 Jun 2020 (12 days old, STALE), imported "
        "1 Jul 2020 09:00 by Ana"
    ) in lines
    assert (
        "  data returns: returns.csv, extract as of 10 Jul 2020 (2 days old), imported "
        "10 Jul 2020 14:30 by Ben"
    ) in lines
    assert "  deadlines: never imported" in lines
    assert text.endswith("\n") and not text.endswith("\n\n")

    raw = succeeded(cli("status", "--json", env=later)).stdout
    assert raw.endswith("}\n")
    status = json.loads(raw)
    assert status["database"] == str(db.resolve())
    assert status["schema_version"] == version
    assert status["rows"] == counts
    cases = status["sources"]["cases"]
    assert cases["file_name"] == "cases.csv"
    assert cases["imported_by"] == "Ana"
    assert cases["extract_as_of"] == "2020-06-30"
    assert cases["imported_at"] == "2020-07-01T09:00:00+01:00"
    assert cases["rows_read"] == 3
    assert (cases["age_days"], cases["stale"]) == (12, True)  # from the extract, 30 June
    returns = status["sources"]["returns"]
    assert (returns["extract_as_of"], returns["age_days"], returns["stale"]) == (
        "2020-07-10",
        2,
        False,
    )
    assert status["sources"]["deadlines"] is None and status["sources"]["crimes"] is None
    assert sorted(status["stale_kinds"]) == ["assaults", "cases", "crimes", "deadlines", "requests"]

    # How old counts as stale is a setting.
    relaxed = json.loads(
        succeeded(cli("status", "--json", env={**later, "STALE_AFTER_DAYS": "30"})).stdout
    )
    assert relaxed["sources"]["cases"]["stale"] is False
    assert sorted(relaxed["stale_kinds"]) == ["assaults", "crimes", "deadlines", "requests"]


def test_a_stale_extract_is_flagged_in_the_answer(runner: CliRunner, tmp_path: Path) -> None:
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("C-1")])
    succeeded(invoke(runner, "import", "cases", "cases.csv"))
    fresh = invoke(runner, "ask", "/backlog", env={"OVERSIGHT_NOW": "2020-07-09T09:00"})
    assert "WARNING" not in succeeded(fresh).stdout
    stale = invoke(runner, "ask", "/backlog", env={"OVERSIGHT_NOW": "2020-07-10T09:00"})
    stale = succeeded(stale).stdout
    assert (
        "WARNING: Stale: the latest case reviews extract was taken 1 Jul 2020, "
        "9 days before 10 Jul 2020."
    ) in stale


def test_the_import_is_recorded_under_the_login_name_by_default(
    runner: CliRunner, tmp_path: Path
) -> None:
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("C-1")])
    succeeded(invoke(runner, "import", "cases", "cases.csv"))
    status = json.loads(succeeded(invoke(runner, "status", "--json")).stdout)
    assert status["sources"]["cases"]["imported_by"]
    assert status["sources"]["cases"]["extract_as_of"] == TEST_NOW[:10]


def test_the_db_option_wins_over_the_environment(runner: CliRunner, tmp_path: Path) -> None:
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("C-1")])
    succeeded(invoke(runner, "--db", "elsewhere.db", "import", "cases", "cases.csv"))
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "oversight.db").exists()
    status = json.loads(
        succeeded(invoke(runner, "--db", "elsewhere.db", "status", "--json")).stdout
    )
    assert status["database"] == str((tmp_path / "elsewhere.db").resolve())


# --- the read path stays light -------------------------------------------------------------


def imported_modules(tmp_path: Path, env: dict[str, str], *args: str) -> set[str]:
    """The modules ``python -m oversight ARGS`` imports, as ``-X importtime`` reports them."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "oversight", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.slow
def test_ask_does_not_import_pandas_or_sqlite_utils(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OVERSIGHT_DB": str(tmp_path / "oversight.db"),
        "OVERSIGHT_NOW": TEST_NOW,
    }
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("C-1")])
    # The first import creates the schema with sqlite-utils: the check can see it.
    importing = imported_modules(tmp_path, env, "import", "cases", "cases.csv")
    assert "sqlite_utils" in importing

    heavy = {"pandas", "sqlite_utils", "openpyxl", "matplotlib"}
    # Every registered command (/oversight as status, what it answers from the store).
    asks = [c.slash if c.name != "oversight" else "/oversight status" for c in COMMANDS]
    for text in ("/deadlines 30", *asks):
        asked = imported_modules(tmp_path, env, "ask", "--as-of", "2020-06-30", text)
        assert "oversight.answers" in asked  # the report does cover the command's own imports
        assert not {m for m in asked if m.split(".")[0] in heavy}, text


# --- settings from .env --------------------------------------------------------------------


def without_settings(runner: CliRunner, *args: str, **extra: str) -> Result:
    """``oversight ARGS`` with no oversight settings in the environment except ``extra``."""
    unset = dict.fromkeys(("OVERSIGHT_DB", "OVERSIGHT_NOW", "STALE_AFTER_DAYS"))
    return invoke(runner, *args, env={**unset, **extra})


def test_settings_are_read_from_env_in_the_working_directory(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "# settings for this folder\nOVERSIGHT_DB=from-dotenv.db\nOVERSIGHT_NOW=2020-07-01T09:00\n"
    )
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("C-1")])
    succeeded(without_settings(runner, "import", "cases", "cases.csv"))
    assert (tmp_path / "from-dotenv.db").exists()
    assert not (tmp_path / "oversight.db").exists()
    status = json.loads(succeeded(without_settings(runner, "status", "--json")).stdout)
    assert status["database"] == str((tmp_path / "from-dotenv.db").resolve())
    assert status["sources"]["cases"]["imported_at"] == "2020-07-01T09:00:00+01:00"


def test_the_environment_wins_over_env(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OVERSIGHT_DB=from-dotenv.db\nOVERSIGHT_NOW=2020-07-01\n")
    write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("C-1")])
    succeeded(
        without_settings(runner, "import", "cases", "cases.csv", OVERSIGHT_DB="from-environment.db")
    )
    assert (tmp_path / "from-environment.db").exists()
    assert not (tmp_path / "from-dotenv.db").exists()
    status = json.loads(
        succeeded(
            without_settings(
                runner,
                "status",
                "--json",
                OVERSIGHT_DB="from-environment.db",
                OVERSIGHT_NOW="2020-07-04T12:00",
            )
        ).stdout
    )
    # The import took its clock from .env (09:00 on 1 July); the status, from the environment.
    assert status["sources"]["cases"]["imported_at"] == "2020-07-01T09:00:00+01:00"
    assert status["as_of"] == "2020-07-04"
    assert status["sources"]["cases"]["age_days"] == 3


def test_a_bad_env_file_is_refused_in_one_sentence(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"OVERSIGHT_DB=caf\xe9.db\n")
    message = refused(without_settings(runner, "status"))
    assert one_sentence(message) == ".env is not UTF-8 text: save it as UTF-8."
