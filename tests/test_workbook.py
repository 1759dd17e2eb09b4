"""The digest workbook: the digest's figures as numbers and dates, extract text kept as text.

Every figure read back from the XLSX (with openpyxl, as a person's spreadsheet would open it) is
compared with ``to_plain(digest)``, the same data the JSON output prints.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from oversight import demo
from oversight.answers.digest import DigestAnswer, PreviousDigest, build_digest
from oversight.importing.kinds import KINDS, import_extract
from oversight.render.json import to_plain
from oversight.render.workbook import HEADER_ROW, digest_workbook
from oversight.store import Store
from tests.support.data import DEADLINE_HEADER, NOW, RETURN_HEADER, settings, write_csv

D = demo.AS_OF  # Tuesday 30 June 2020
SHEETS = [
    "Summary",
    "Outstanding by week",
    "Data returns",
    "Deadlines",
    "Data integrity",
    "Information requests",  # the demo has a requests extract
    "Recorded crime",  # the demo has street-level files
]
# Text that a spreadsheet would run as a formula, or read as a number, if written carelessly.
TRICKY = ['=HYPERLINK("http://x","y")', "+44 20", "-1", "@SUM(A1)", "#N/A"]
LABELS = {"domestic_abuse": "Domestic abuse", "child_protection": "Child protection"}


def digest_of(
    store: Store, as_of: date = D, previous: PreviousDigest | None = None
) -> DigestAnswer:
    return build_digest(store, as_of, NOW, settings(7), previous=previous)


def load(digest: DigestAnswer) -> Workbook:
    return load_workbook(BytesIO(digest_workbook(digest)))


def import_kind(store: Store, folder: Path, kind: str, header: list[str], rows: list) -> None:
    path = write_csv(folder / f"{kind}.csv", header, rows)
    import_extract(store, KINDS[kind], path, extract_as_of=D, imported_by="tester", imported_at=NOW)


def plain_cell(value: object) -> object:
    """A cell's value as to_plain writes it: dates as ISO text."""
    if isinstance(value, datetime):
        assert value.time() == datetime.min.time()
        return value.date().isoformat()
    return value


def table(sheet: Worksheet) -> list[dict[str, object]]:
    """The rows under the header row, keyed by the header."""
    rows = sheet.iter_rows(min_row=HEADER_ROW, values_only=True)
    header = next(rows)
    return [{h: plain_cell(v) for h, v in zip(header, row, strict=True)} for row in rows]


def labelled(sheet: Worksheet) -> dict[str, list[object]]:
    """Summary rows by their label in column A."""
    return {
        row[0]: [plain_cell(v) for v in row[1:]]
        for row in sheet.iter_rows(min_row=HEADER_ROW, values_only=True)
        if row[0] is not None
    }


# --- the figures ---------------------------------------------------------------------------


def test_the_workbook_has_the_four_sheets_with_bold_frozen_headers(demo_store: Store) -> None:
    book = load(digest_of(demo_store))
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A3"  # the title and the header stay in view
        header = list(sheet[HEADER_ROW])
        assert all(c.font.bold for c in header if c.value is not None)
        widths = [sheet.column_dimensions[c.column_letter].width for c in header]
        assert all(8 <= w <= 60 for w in widths), (sheet.title, widths)


def test_the_summary_holds_the_digest_figures(demo_store: Store) -> None:
    digest = digest_of(demo_store)
    plain = to_plain(digest)
    sheet = load(digest)["Summary"]
    header = [c.value for c in sheet[HEADER_ROW]]
    rows = labelled(sheet)
    for figures in plain["backlog"]["figures"]:
        column = header.index(LABELS.get(figures["workstream"], "All workstreams")) - 1
        assert rows["As of"][column] == "2020-06-30"
        for label, key in [
            ("Recorded", "recorded"),
            ("Needing review", "needing_review"),
            ("Reviewed", "reviewed"),
            ("Outstanding", "outstanding"),
            ("Referrals not sent", "referrals_not_sent"),
            ("Referrals not known", "referrals_unknown"),
        ]:
            assert rows[label][column] == figures[key], (label, figures["workstream"])
        assert rows["% reviewed"][column] * 100 == pytest.approx(figures["percent_reviewed"])
        assert rows["NCRS compliance"][column] * 100 == pytest.approx(figures["ncrs_percent"])
    trend = plain["backlog"]["trend"]
    assert rows["Digest period"][0] == plain["period"] == "2020-W27"
    assert rows["Last complete week beginning"][0] == trend["last_week"]["week_start"]
    assert rows["Reviews completed in the last complete week"][0] == trend["last_week"]["completed"]
    assert rows["Four-week mean (reviews a week)"][0] == trend["four_week_mean"] == 186.5
    assert rows["Outstanding seven days before"][0] == trend["outstanding_week_before"]
    assert rows["Change over seven days"][0] == trend["change_over_week"]
    assert rows["Projected completion"][0] == trend["projected_completion"] == "2021-07-15"
    # The published figures, as the team would read them.
    assert rows["Outstanding"][header.index("All workstreams") - 1] == 10_112


def test_numbers_are_numbers_and_percentages_are_formatted_as_such(demo_store: Store) -> None:
    sheet = load(digest_of(demo_store))["Summary"]
    for row in sheet.iter_rows(min_row=3, max_row=11, min_col=2):  # the per-workstream rows
        for cell in row:
            assert isinstance(cell.value, datetime | int | float), cell.coordinate
    percent = next(r for r in sheet.iter_rows() if r[0].value == "% reviewed")
    assert [c.number_format for c in percent[1:]] == ["0.0%"] * 3
    assert [c.value for c in percent[1:]] == pytest.approx([0.25, 1.0, 0.303])


def test_the_change_since_the_previous_digest_is_shown_when_there_was_one(
    demo_store: Store,
) -> None:
    previous = PreviousDigest(
        as_of=D - timedelta(days=7),
        outstanding={"domestic_abuse": 10_400, "child_protection": 0, "all": 10_400},
    )
    digest = digest_of(demo_store, previous=previous)
    rows = labelled(load(digest)["Summary"])
    assert rows["Change since the digest of 23 Jun 2020"] == [-288, 0, -288]
    assert digest.change_since_previous == {
        "domestic_abuse": -288,
        "child_protection": 0,
        "all": -288,
    }
    assert not any(
        "Change since" in str(k) for k in labelled(load(digest_of(demo_store))["Summary"])
    )


def test_outstanding_by_week_is_the_history_and_the_weekly_counts(demo_store: Store) -> None:
    digest = digest_of(demo_store)
    plain = to_plain(digest)
    rows = table(load(digest)["Outstanding by week"])
    assert [(r["Week ending"], r["Outstanding at the end"]) for r in rows] == [
        (p["day"], p["outstanding"]) for p in plain["history"]
    ]
    complete = rows[:-1]  # D, a Tuesday, ends no complete week
    assert [(r["Week beginning"], r["Reviews completed"]) for r in complete] == [
        (w["week_start"], w["completed"]) for w in plain["weeks"]
    ]
    assert rows[-1]["Week beginning"] == "2020-06-29" and rows[-1]["Reviews completed"] is None
    assert rows[-1]["Outstanding at the end"] == 10_112


def test_data_returns_and_deadlines_hold_the_digest_rows(demo_store: Store) -> None:
    digest = digest_of(demo_store)
    plain = to_plain(digest)
    book = load(digest)
    yes_no = {True: "Yes", False: "No"}
    returns = table(book["Data returns"])
    columns = ["Dataset", "Period", "Due", "Status", "Submitted", "Days overdue", "Notes"]
    keys = ["dataset", "period", "due_on", "status", "submitted_on", "days_overdue", "notes"]
    assert [[r[c] for c in columns] for r in returns] == [
        [r[k] for k in keys] for r in plain["returns"]["returns"]
    ]
    assert [(r["Overdue"], r["Excluded"]) for r in returns] == [
        (yes_no[r["overdue"]], yes_no[r["excluded"]]) for r in plain["returns"]["returns"]
    ]
    assert returns[0]["Period"] == "2019-Q3" and returns[0]["Days overdue"] == 243
    deadlines = table(book["Deadlines"])
    columns = ["Title", "Due", "Working days left", "Days left", "Owner", "Category"]
    keys = ["title", "due_on", "working_days_left", "days_left", "owner", "category"]
    assert [[d[c] for c in columns] + [d["Overdue"]] for d in deadlines] == [
        [d[k] for k in keys] + [yes_no[d["overdue"]]] for d in plain["deadlines"]["deadlines"]
    ]
    assert deadlines[0]["When"] == "overdue by 41 working days"


def test_dates_are_dates_with_a_date_format(demo_store: Store) -> None:
    book = load(digest_of(demo_store))
    columns = {
        "Outstanding by week": ["A", "B"],
        "Data returns": ["C"],
        "Deadlines": ["B"],
    }
    for name, letters in columns.items():
        for letter in letters:
            for cell in book[name][letter][HEADER_ROW:]:
                assert cell.is_date and isinstance(cell.value, datetime), cell.coordinate
                assert cell.number_format == "d mmm yyyy"
    submitted = [c for c in book["Data returns"]["E"][HEADER_ROW:] if c.value is not None]
    assert submitted and all(c.is_date for c in submitted)


# --- extract text stays text ---------------------------------------------------------------


def test_formula_looking_text_from_extracts_stays_text(store: Store, tmp_path: Path) -> None:
    returns = [
        ["ONS", f"2020-0{i + 1}", "2020-06-01", "missing", "", text]
        for i, text in enumerate(TRICKY)
    ]
    returns.append(["=1+1", "2020-07", "2020-07-31", "pending", "", "bell\x07here"])
    deadlines = [[text, "2020-07-01", text, text, "open", ""] for text in TRICKY]
    import_kind(store, tmp_path, "returns", RETURN_HEADER, returns)
    import_kind(store, tmp_path, "deadlines", DEADLINE_HEADER, deadlines)
    data = digest_workbook(digest_of(store))
    book = load_workbook(BytesIO(data))
    notes = {c.value: c for c in book["Data returns"]["I"][HEADER_ROW:]}
    titles = {c.value: c for c in book["Deadlines"]["A"][HEADER_ROW:]}
    owners = {c.value: c for c in book["Deadlines"]["E"][HEADER_ROW:]}
    categories = {c.value: c for c in book["Deadlines"]["F"][HEADER_ROW:]}
    for text in TRICKY:
        for found in (notes, titles, owners, categories):
            cell = found[text]  # the same text a person typed, not a result or an error
            assert cell.data_type == "s", (text, cell.coordinate)
    assert titles['=HYPERLINK("http://x","y")'].quotePrefix
    assert book["Data returns"]["A"][-1].value == "=1+1"
    # A control character cannot go in an XLSX: it is shown, not dropped or fatal.
    assert "bell\ufffdhere" in notes
    # No cell anywhere in the file is a formula or an error.
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml and 't="e"' not in xml, name


def test_an_empty_store_gives_a_workbook_of_headers_and_zeros(store: Store) -> None:
    book = load(digest_of(store))
    rows = labelled(book["Summary"])
    assert rows["Outstanding"] == [0, 0, 0]
    assert rows["% reviewed"] == ["n/a", "n/a", "n/a"]
    assert rows["Projected completion"][0] == "complete: nothing outstanding"
    assert rows["Case reviews"][0] == "No case reviews extract has been imported."
    # An empty table prints a "none found" row, not its headers alone.
    assert [r[0] for r in book["Data returns"].iter_rows(min_row=3, values_only=True)] == [
        "No data returns."
    ]
    assert [r[0] for r in book["Deadlines"].iter_rows(min_row=3, values_only=True)] == [
        "No open deadlines in the next 14 days or overdue."
    ]
    (none,) = book["Data integrity"].iter_rows(min_row=3, values_only=True)
    assert none[0].startswith("None found: the case imports since ")
    assert len(table(book["Outstanding by week"])) == 27


def test_no_projection_is_written_in_words(demo_store: Store) -> None:
    rows = labelled(load(digest_of(demo_store, date(2021, 3, 3)))["Summary"])
    assert rows["Projected completion"][0] == (
        "no projection: no reviews completed in the last four complete weeks"
    )


@pytest.mark.slow
def test_large_extracts_are_written_in_full(store: Store, tmp_path: Path) -> None:
    returns = [
        [f"Dataset {i:05d}", "2020-Q1", "2020-06-01", "missing", "", f"note {i}"]
        for i in range(5_000)
    ]
    deadlines = [
        [f"Deadline {i:05d}", (D + timedelta(days=i % 15)).isoformat(), "", "", "open", ""]
        for i in range(3_000)
    ]
    import_kind(store, tmp_path, "returns", RETURN_HEADER, returns)
    import_kind(store, tmp_path, "deadlines", DEADLINE_HEADER, deadlines)
    digest = digest_of(store)
    book = load(digest)
    returns_rows = table(book["Data returns"])
    assert len(returns_rows) == 5_000 == len(digest.returns.returns)
    assert {r["Dataset"] for r in returns_rows} == {f"Dataset {i:05d}" for i in range(5_000)}
    assert all(r["Days overdue"] == 29 for r in returns_rows)
    deadline_rows = table(book["Deadlines"])
    assert len(deadline_rows) == 3_000 == len(digest.deadlines.deadlines)
    assert deadline_rows[-1]["Due"] == (D + timedelta(days=14)).isoformat()


# --- the same bytes for the same digest ----------------------------------------------------


def test_the_same_digest_gives_the_same_bytes(demo_store: Store) -> None:
    first = digest_workbook(digest_of(demo_store))
    assert digest_workbook(digest_of(demo_store)) == first
    assert digest_workbook(digest_of(demo_store, D - timedelta(days=7))) != first
    with zipfile.ZipFile(BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2020, 6, 30, 0, 0, 0)}
    properties = load_workbook(BytesIO(first)).properties
    assert properties.created == properties.modified == datetime(2020, 6, 30)
