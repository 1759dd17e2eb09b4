"""Reading CSV and XLSX extracts: header, rows and the line numbers a person would see."""

from __future__ import annotations

import csv
import os
import re
import signal
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from oversight.errors import UserError
from oversight.extracts import xlsx_quick
from oversight.extracts.opening import open_extract
from tests.support.data import CASE_HEADER, case, write_csv


def read(path: Path, sheet: str | None = None, progress=None):
    with open_extract(path, sheet, progress) as extract:
        return extract.format, extract.unit, extract.header, list(extract.rows)


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# --- CSV -------------------------------------------------------------------------------------


def test_csv_rows_carry_their_line_numbers_with_the_header_on_line_1(tmp_path):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("A"), case("B"), case("C")])
    file_format, unit, header, rows = read(path)
    assert (file_format, unit) == ("CSV", "line")
    assert header == CASE_HEADER
    assert [(line, cells[0]) for line, cells in rows] == [(2, "A"), (3, "B"), (4, "C")]
    assert rows[0][1] == tuple(case("A"))


def test_bom_crlf_and_trailing_blank_lines_make_no_difference(tmp_path):
    plain = write_csv(tmp_path / "plain.csv", CASE_HEADER, [case("A"), case("B")])
    awkward = write_csv(
        tmp_path / "awkward.csv",
        CASE_HEADER,
        [case("A"), case("B")],
        bom=True,
        crlf=True,
        trailing_blank_lines=3,
    )
    assert awkward.read_bytes().startswith(b"\xef\xbb\xbfincident_ref,")
    assert b"\r\n" in awkward.read_bytes()
    assert read(awkward) == read(plain)


def test_blank_lines_in_the_middle_are_skipped_but_still_counted(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n1,2\n\n,\n  ,  \n3,4\n")
    _, _, header, rows = read(path)
    assert header == ["a", "b"]
    assert rows == [(2, ("1", "2")), (6, ("3", "4"))]


def test_a_quoted_cell_over_several_lines_is_numbered_by_its_first_line(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text('a,notes\n1,"one\ntwo\nthree"\n2,plain\n')
    _, _, _, rows = read(path)
    assert rows == [(2, ("1", "one\ntwo\nthree")), (5, ("2", "plain"))]


def test_progress_ends_at_one(tmp_path):
    path = write_csv(tmp_path / "big.csv", ["a"], ([str(n)] for n in range(20_000)))
    seen: list[float] = []
    _, _, _, rows = read(path, progress=seen.append)
    assert len(rows) == 20_000
    assert seen[-1] == 1.0
    assert len(seen) > 1
    assert all(0 <= value <= 1 for value in seen)
    assert seen == sorted(seen)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty.csv is empty: there is no header and no data."),
        (b"\xef\xbb\xbf", "empty.csv has no header row on line 1."),
        (b"\n\n\n", "empty.csv has no header row on line 1."),
        (b" , ,\n1,2\n", "empty.csv has no header row on line 1."),
    ],
)
def test_a_file_without_a_header(tmp_path, content, message):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        read(path)
    assert str(caught.value) == message


def test_a_non_utf8_file_names_the_line_of_the_first_bad_byte(tmp_path):
    lines = ["a,b\n", *(f"{n},x\n" for n in range(2, 2000))]
    lines[1499] = "1500,caf\xe9\n"  # line 1500, in latin-1: far past the first decoded chunk
    path = tmp_path / "latin1.csv"
    path.write_bytes("".join(lines).encode("latin-1"))
    with pytest.raises(UserError) as caught:
        read(path)
    assert str(caught.value) == (
        'latin1.csv is not UTF-8 text (line 1500): save it from Excel as "CSV UTF-8".'
    )


def test_a_non_utf8_header(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("r\xe9f,b\n1,2\n".encode("cp1252"))
    with pytest.raises(UserError, match=r"is not UTF-8 text \(line 1\)"):
        read(path)


def test_sheet_does_not_apply_to_a_csv_file(tmp_path):
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, [case("A")])
    with pytest.raises(UserError, match="--sheet applies only to XLSX workbooks"):
        read(path, sheet="Sheet1")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "report.csv is not a CSV or XLSX extract."),
        (b"incident_ref\x00\x01\x02binary", "report.csv is not a CSV or XLSX extract."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            "report.csv is an old-style .xls workbook: save it as .xlsx or CSV.",
        ),
        (b"PK\x03\x04not really a zip", "report.csv is not a readable XLSX workbook."),
    ],
    ids=["pdf", "binary", "xls", "broken-zip"],
)
def test_files_that_are_not_extracts(tmp_path, content, message):
    path = tmp_path / "report.csv"
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        read(path)
    assert str(caught.value) == message


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cases.csv", "incident_ref\nA\n")
    with pytest.raises(UserError) as caught:
        read(path)
    assert str(caught.value) == "archive.xlsx is not a readable XLSX workbook."


def test_a_missing_file_and_a_folder(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read(tmp_path / "nowhere.csv")
    with pytest.raises(UserError, match="is not a file"):
        read(tmp_path)


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_reads_the_first_sheet_by_default_and_numbers_rows(tmp_path):
    path = write_xlsx(
        tmp_path / "cases.xlsx",
        {
            "Cases": [CASE_HEADER, case("A"), case("B")],
            "Other": [["x"], ["y"]],
        },
    )
    file_format, unit, header, rows = read(path)
    assert (file_format, unit) == ("XLSX", "row")
    assert header == CASE_HEADER
    assert [(number, cells[0]) for number, cells in rows] == [(2, "A"), (3, "B")]


def test_xlsx_sheet_picks_another_sheet(tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {"Summary": [["nothing", "here"]], "Cases": [CASE_HEADER, case("Z")]},
    )
    _, _, header, rows = read(path, sheet="Cases")
    assert header == CASE_HEADER
    assert [cells[0] for _, cells in rows] == ["Z"]


def test_an_unknown_sheet_names_the_sheets_there_are(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"Summary": [["a"]], "Cases 2020": [["a"]]})
    with pytest.raises(UserError) as caught:
        read(path, sheet="cases")
    assert str(caught.value) == 'book.xlsx has no sheet "cases" (it has "Summary", "Cases 2020").'


def test_xlsx_cells_keep_their_types_and_empty_cells_are_blank(tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "S": [
                ["ref", "on", "flag", "n"],
                ["A", date(2019, 7, 1), True, None],
                ["B", None, 1, 2.5],
            ]
        },
    )
    _, _, _, rows = read(path)
    # A row may stop at its last filled cell: the importer reads the cells past it as blank.
    assert rows == [
        (2, ("A", datetime(2019, 7, 1), True)),
        (3, ("B", "", 1, 2.5)),
    ]


def test_xlsx_empty_rows_are_skipped_but_still_counted(tmp_path):
    path = tmp_path / "gaps.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["a", "b"])
    sheet.append([1, 2])
    sheet.cell(row=6, column=2, value="late")
    book.save(path)
    _, _, _, rows = read(path)
    assert rows == [(2, (1, 2)), (6, ("", "late"))]


def test_an_empty_sheet_has_no_header(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"Empty": []})
    with pytest.raises(UserError, match="has no header row on row 1 of its sheet"):
        read(path)


def test_xlsx_rows_past_a_wrongly_small_sheet_size_are_still_read(tmp_path):
    # Some exporters write <dimension ref="A1:A1"/> whatever the sheet holds. Read-only openpyxl
    # trusts it: rows past it must not be silently dropped from an import.
    good = write_xlsx(
        tmp_path / "good.xlsx", {"S": [CASE_HEADER, *(case(f"R{n}") for n in range(9))]}
    )
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(lying, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:A1"/>', data
                )
                assert count == 1
            target.writestr(item, data)
    assert openpyxl.load_workbook(lying, read_only=True).worksheets[0].max_row == 1
    assert read(lying) == read(good)
    assert len(read(lying)[3]) == 9


def test_xlsx_cells_read_as_openpyxl_reads_them_excel_style_workbook(tmp_path):
    # oversight streams the sheet and shared strings itself (within bounds): every kind of cell
    # Excel writes must come out as openpyxl's own read-only reader gives it.
    good = write_xlsx(tmp_path / "good.xlsx", {"Sheet": [["a"]]})
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    strings = (
        f"<sst {main}><si><t>plain</t></si>"
        '<si><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">text </t></r></si>'
        "<si><t>漢字</t><rPh sb='0' eb='1'><t>かんじ</t></rPh></si>"
        "<si><t>a_x005F_x000D_b</t></si><si><t/></si></sst>"
    )
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2" s="1"><v>43647</v></c><c r="B2" s="2"><v>43647.5</v></c>'
        '<c r="C2"><v>42</v></c><c r="D2"><v>2.5</v></c><c r="E2"><v>1E3</v></c>'
        '<c r="F2" t="b"><v>1</v></c><c r="G2" t="b"><v>0</v></c></row>'
        '<row r="4" spans="1:3"><c t="str"><f>A1&amp;"x"</f><v>plainx</v></c>'
        '<c t="e"><v>#N/A</v></c><c t="inlineStr"><is><t>inline</t></is></c>'
        '<c r="F4"><f>1+1</f></c><c r="H4" t="s"><v>4</v></c></row>'
        "<row><c><v>7</v></c></row>"
    )
    sheet = f'<worksheet {main}><dimension ref="A1"/><sheetData>{rows}</sheetData></worksheet>'
    date_styles = (
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        "</cellXfs>"
    )
    path = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif item.filename == "xl/styles.xml":
                data, count = re.subn(rb"<cellXfs .*?</cellXfs>", date_styles.encode(), data)
                assert count == 1
            elif item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(item, data)
        target.writestr("xl/sharedStrings.xml", strings)

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet_rows = book.worksheets[0]
    sheet_rows.reset_dimensions()
    expected = [
        (number, tuple("" if cell is None else cell for cell in row))
        for number, row in enumerate(sheet_rows.iter_rows(values_only=True), start=1)
        if any(cell is not None for cell in row)
    ]
    book.close()
    _, _, header, rows = read(path)
    assert [(1, tuple(header)), *rows] == expected
    assert header == ["plain", "rich text ", "漢字", "a_x000D_b"]
    assert rows[0] == (
        2,
        (datetime(2019, 7, 1), datetime(2019, 7, 1, 12), 42, 2.5, 1000.0, True, False),
    )
    assert rows[1] == (4, ("plainx", "#N/A", "inline", "", "", "", "", ""))
    assert rows[2] == (5, (7,))


# --- XLSX: the quick reading (python-calamine, in a child process) -----------------------------


def cell_text(value: object) -> str:
    """A cell of the streaming reader as text, as the importer reads it (values._cell_text)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def comparable(rows) -> list[list[str]]:
    """Rows of cells as the importer compares them: each cell trimmed (every parser trims), the
    blank cells at a row's end dropped."""
    out = []
    for row in rows:
        cells = [cell.strip() for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        out.append(cells)
    return out


def exact_texts(path: Path, sheet: str | None = None) -> list[list[str]]:
    with open_extract(path, sheet) as extract:
        return [[cell_text(cell) for cell in cells] for _, cells in extract.rows]


QUICK = "the quick reading needs Linux and a process without other threads"


def quick_records(path: Path, sheet: str | None = None) -> list[list[str]]:
    with open_extract(path, sheet) as extract:
        assert extract.quick is not None, QUICK
        return list(extract.quick.records)


def quick_lines(path: Path) -> tuple[bool, list[str]]:
    with open_extract(path) as extract:
        assert extract.quick is not None, QUICK
        unquoted = extract.quick.unquoted
        return unquoted, list(extract.quick.lines if unquoted else extract.quick.records)


TYPED_ROWS = [
    ["ref", "on", "when", "flag", "n", "x", "text"],
    ["A", date(2019, 7, 1), datetime(2019, 7, 2), True, 1, 2.5, "plain"],
    ["B", None, None, False, 0, -0.5, " spaced "],
    [None, None, None, None, None, None, None],  # a blank row, skipped but counted
    ["C", "2019-07-03", "01/07/2019", "yes", 1e15, 12345678, "É ü 漢字"],
    ["D", date(1900, 3, 1), date(9999, 12, 31), 1, -7, 0.1 + 0.2, "a_b"],
]


def test_the_quick_reading_gives_each_cell_as_the_streaming_reader_does(tmp_path):
    path = write_xlsx(tmp_path / "typed.xlsx", {"S": TYPED_ROWS})
    exact = exact_texts(path)
    assert exact[0][:3] == ["A", "2019-07-01 00:00:00", "2019-07-02 00:00:00"]
    assert len(exact) == 4  # the blank row is no row
    assert comparable(quick_records(path)) == comparable(exact)


def test_rows_with_gaps_and_a_late_start_read_the_same(tmp_path):
    path = tmp_path / "gaps.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for column, name in enumerate(CASE_HEADER, start=2):  # the header starts at B1
        sheet.cell(row=1, column=column, value=name)
    for row, ref in ((3, "A"), (4, "B"), (9, "C")):  # data from row 3, rows 5 to 8 blank
        for column, value in enumerate(case(ref), start=2):
            sheet.cell(row=row, column=column, value=value or None)
    sheet.cell(row=12, column=20, value=None).number_format = "0.00"  # a styled empty cell
    book.save(path)
    exact = exact_texts(path)
    assert [cells[1] for cells in exact] == ["A", "B", "C"]
    assert comparable(quick_records(path)) == comparable(exact)


def test_plain_rows_come_as_lines_of_a_csv_without_quotes(tmp_path):
    path = write_xlsx(tmp_path / "cases.xlsx", {"S": [CASE_HEADER, case("A"), case("B")]})
    unquoted, lines = quick_lines(path)
    assert unquoted
    assert lines == [",".join(case("A")) + "\n", ",".join(case("B")) + "\n"]
    with_comma = write_xlsx(tmp_path / "comma.xlsx", {"S": [CASE_HEADER, case("A, B")]})
    unquoted, records = quick_lines(with_comma)
    assert not unquoted
    assert records == [case("A, B")]


@pytest.mark.parametrize(
    ("body", "unquoted"),
    [
        (b"ref,n\nA,1\nB,2\n", True),
        (b"ref,n\r\nA,1\r\nB,2\r\n", True),  # a carriage return just before each line feed
        (b"ref,n\r\nA,1\r\nB,2", True),  # the last line without an end
        (b"ref,n\nA,1\rB,2\n", False),  # one alone: a line end to the csv module
        (b"ref,n\nA,1\nB,2\r", False),  # one alone at the very end
        (b'ref,n\nA,"1"\n', False),
    ],
)
def test_a_csv_is_unquoted_whatever_its_line_ends_but_lone_carriage_returns(
    tmp_path, body, unquoted
):
    path = tmp_path / "lines.csv"
    path.write_bytes(body)
    assert quick_lines(path)[0] is unquoted


def test_shared_strings_reach_calamine_as_the_streaming_reader_read_them(tmp_path):
    # As in the Excel-style workbook above: rich text, phonetic runs, an escaped escape; and
    # commas, spaces at the ends, XML's escapes and a line break.
    good = write_xlsx(tmp_path / "good.xlsx", {"Sheet": [["a"]]})
    strings = [
        "plain",
        '<si><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">text </t></r></si>',
        "<si><t>漢字</t><rPh sb='0' eb='1'><t>かんじ</t></rPh></si>",
        "a_x005F_x000D_b",
        " both, ends &amp; &lt;x&gt; ",
        "line\nbreak",
    ]
    items = "".join(
        s if s.startswith("<si>") else f'<si><t xml:space="preserve">{s}</t></si>' for s in strings
    )
    cells = "".join(
        f'<c r="{chr(65 + n)}{{row}}" t="s"><v>{n}</v></c>' for n in range(len(strings))
    )
    rows = f'<row r="1">{cells.format(row=1)}</row><row r="2">{cells.format(row=2)}</row>'
    path = replace_parts(good, tmp_path / "strings.xlsx", sheet=sheet_of(rows), strings=items)
    exact = exact_texts(path)
    assert exact[0] == [
        "plain",
        "rich text ",
        "漢字",
        "a_x000D_b",
        " both, ends & <x> ",
        "line\nbreak",
    ]
    assert quick_records(path) == exact


MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def sheet_of(rows: str) -> str:
    return f"<worksheet {MAIN}><sheetData>{rows}</sheetData></worksheet>"


def replace_parts(
    good: Path, path: Path, *, sheet: str, strings: str | None = None, xfs: str | None = None
) -> Path:
    """``good`` with its sheet replaced, and shared strings (their items) or cell styles."""
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif item.filename == "xl/styles.xml" and xfs is not None:
                data, count = re.subn(rb"<cellXfs .*?</cellXfs>", xfs.encode(), data)
                assert count == 1
            elif item.filename == "[Content_Types].xml" and strings is not None:
                data = data.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
                    "</Types>".encode(),
                )
            target.writestr(item, data)
        if strings is not None:
            target.writestr("xl/sharedStrings.xml", f"<sst {MAIN}>{strings}</sst>")
    return path


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = '<row r="1">' + inline("A1", "ref") + inline("B1", "on") + "</row>"


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ('<c r="A2" t="e"><v>#N/A</v></c>', "calamine gives an error cell as empty"),
        ('<c r="A2" t="d"><v>2019-07-01</v></c>', "an ISO date, made a date otherwise"),
        ('<c r="A2" t="inlineStr"><is><r><t>a </t></r><r><t>b</t></r></is></c>', "runs trimmed"),
        (inline("A2", "a_x000D_b"), "calamine unescapes _x000D_"),
        (inline("A2", "a&#10;b"), "a character reference"),
        (inline("A2", "a<!-- note -->b"), "a comment"),
        ('<c r="A2"><v>43647.5</v></c><c r="B2" s="1"><v>43647.5</v></c>', "a date with a time"),
        ('<c r="A2"><v>12345678901234567890</v></c>', "past a float's exact integers"),
        ("<c r='A2' t = 'e'><v>#N/A</v></c>", "an error cell spelt otherwise"),
        ('<c r="A2" xmlns="urn:x"><v>1</v></c>', "a cell of another namespace, to expat"),
    ],
    ids=[
        *("error", "iso-date", "runs", "escape", "reference", "comment", "time", "big-number"),
        *("error-spelt-otherwise", "namespace"),
    ],
)
def test_what_the_readers_would_read_differently_is_left_to_the_exact_path(tmp_path, row, why):
    good = write_xlsx(tmp_path / "good.xlsx", {"Sheet": [["a"]]})
    xfs = (
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        "</cellXfs>"
    )
    sheet = sheet_of(HEADER_ROW + f'<row r="2">{row}</row>')
    path = replace_parts(good, tmp_path / "odd.xlsx", sheet=sheet, xfs=xfs)
    exact_texts(path)  # the streaming reader reads it
    with open_extract(path) as extract:
        assert extract.quick is not None
        quick = extract.quick
        with pytest.raises(csv.Error):  # as the fast path asks: plain lines, or the cells
            list(quick.lines if quick.unquoted else quick.records)


def test_a_sheet_past_the_size_for_calamine_is_read_only_the_streaming_way(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "cases.xlsx", {"S": [CASE_HEADER, case("A"), case("B")]})
    with open_extract(path) as extract:
        assert extract.quick is not None
    size = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    monkeypatch.setattr(xlsx_quick, "QUICK_MAX_SHEET_BYTES", size - 1)
    with open_extract(path) as extract:
        assert extract.quick is None
        assert [cells[0] for _, cells in extract.rows] == ["A", "B"]
    monkeypatch.setattr(xlsx_quick, "QUICK_MAX_SHEET_BYTES", size)
    assert quick_records(path) == [case("A"), case("B")]


def far_cells(path: Path, far: str) -> Path:
    """The header, a case, and one more cell far down and to the right: calamine's grid of it
    spans both."""
    header = "".join(inline(f"{chr(65 + n)}1", name) for n, name in enumerate(CASE_HEADER))
    row = "".join(inline(f"{chr(65 + n)}2", value) for n, value in enumerate(case("A")) if value)
    number = re.sub(r"^[A-Z]+", "", far)
    rows = (
        f'<row r="1">{header}</row><row r="2">{row}</row><row r="{number}">{inline(far, "x")}</row>'
    )
    good = write_xlsx(path.with_name("good.xlsx"), {"Sheet": [["a"]]})
    return replace_parts(good, path, sheet=sheet_of(rows))


@pytest.mark.parametrize("far", ["XFD1048576", "Z1000000"])  # 550 GB, 830 MB as calamine's grid
def test_a_sheet_calamine_cannot_hold_is_left_to_the_exact_path(tmp_path, far):
    path = far_cells(tmp_path / "far.xlsx", far)
    with open_extract(path) as extract:
        quick = extract.quick
        assert quick is not None
        with pytest.raises(csv.Error):  # the child died at its memory limit
            list(quick.lines if quick.unquoted else quick.records)
    rows = exact_texts(path)
    assert rows[0][:2] == ["A", "domestic_abuse"] and rows[1][-1] == "x"


def test_a_child_that_dies_or_takes_too_long_is_a_doubt(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "cases.xlsx", {"S": [CASE_HEADER, case("A"), case("B")]})
    monkeypatch.setattr(xlsx_quick, "quick_child", lambda *_: os.kill(os.getpid(), signal.SIGKILL))
    with open_extract(path) as extract, pytest.raises(csv.Error, match="stopped"):
        list(extract.quick.records)
    monkeypatch.setattr(xlsx_quick, "quick_child", lambda *_: time.sleep(30))
    monkeypatch.setattr(xlsx_quick, "QUICK_SECONDS", 0.5)
    started = time.monotonic()
    with open_extract(path) as extract, pytest.raises(csv.Error, match="took too long"):
        list(extract.quick.records)
    assert time.monotonic() - started < 5  # and the child was killed, not waited for
