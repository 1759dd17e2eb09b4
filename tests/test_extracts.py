"""Reading CSV and XLSX extracts: header, rows and the line numbers a person would see."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from oversight.errors import UserError
from oversight.extracts import open_extract
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
