"""A workbook on the quick reading (python-calamine, in a child process) and on the exact one
(the streaming reader): the same rows stored, the same problems named by their sheet rows."""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.errors import InvalidExtract
from oversight.store import open_store
from tests.support.data import (
    CASE_HEADER,
    case,
    recount_case_daily,
    stored_case_daily,
    write_csv,
)
from tests.support.imports import cases_table, import_outcome, run_import, staged_by_fast_path


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
    staged = staged_by_fast_path(monkeypatch)
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
    staged = staged_by_fast_path(monkeypatch)
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
        assert import_outcome(path, True) == import_outcome(path, False)
